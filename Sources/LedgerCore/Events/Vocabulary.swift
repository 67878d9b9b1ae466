/// A provider's status, normalised to the ledger's six words.
/// The provider's own word is kept beside it as `raw_status`.
public enum ReportedStatus: String, Sendable, Codable, CaseIterable {
    case queued, processing, completed, failed, cancelled, unknown

    static let byUTF8 = WordTable<ReportedStatus>()

    /// True for the three statuses that end a job.
    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .queued, .processing, .unknown: false
        }
    }
}

/// Where the evidence for an outcome came from.
public enum EvidenceSource: String, Sendable, Codable, CaseIterable {
    case webhook, poll, watchdog, manual, app
}

/// What happens to the refund when a failed job turns out to have completed.
public enum LateCompletionPolicy: String, Sendable, Codable, CaseIterable {
    /// The user keeps the refund and gets the result free (the default).
    case keepRefund = "keep_refund"
    /// The refunded amount is charged again with `credit.recharged`.
    case recharge
}

/// What the watchdog decided about a job that looked stuck.
public enum WatchdogVerdict: String, Sendable, Codable, CaseIterable {
    case poll, wait, fail
}

/// Which changes the app is told about (`LEDGER_NOTIFY_EVENTS`).
public enum NotifyEvents: String, Sendable, Codable, CaseIterable {
    /// Terminal changes only: completed, failed, cancelled, refunded, late completion (the default).
    case terminal
    /// Also `job.started` (the first report that the provider is processing
    /// the job) and `job.progress` (each later processing webhook).
    case all
}
