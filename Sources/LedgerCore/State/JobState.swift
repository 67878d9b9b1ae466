/// Everything the ledger knows about one job: the fold of its stream.
///
/// The stored `jobs` projection holds the fields from `jobID` to `version`,
/// column for column. The rest (`registration`, the seen deliveries,
/// `lastOperatorAction`, `answeredSinceOperatorAction`, `lastWatchdogLook`, `startReported`,
/// `notifications`) exist only in a fold of the job's stream: a state read
/// back from its row (the watchdog's and the poller's open jobs, the API's
/// job) holds their defaults, so a rule that reads them must be given a fold.
public struct JobState: Sendable, Hashable {
    public var jobID: String
    public var account = ""
    public var provider = ""
    public var operation = ""
    public var externalID: String?
    public var status = JobStatus.registered
    /// The provider's own word from its latest non-duplicate report.
    public var providerStatus: String?
    public var outputs = JSONValue.null
    public var failureReason: String?
    /// The source of the terminal outcome: webhook, poll, watchdog, manual or app.
    public var completionSource: EvidenceSource?
    public var cost: Int64 = 0
    public var refundedAmount: Int64 = 0
    public var rechargedAmount: Int64 = 0
    public var webhookCount: Int64 = 0
    public var duplicateCount: Int64 = 0
    public var pollCount: Int64 = 0
    public var conflictCount: Int64 = 0
    public var registeredAt: Timestamp?
    public var submittedAt: Timestamp?
    public var completedAt: Timestamp?
    public var failedAt: Timestamp?
    public var cancelledAt: Timestamp?
    public var lateCompletedAt: Timestamp?
    public var lateOutputs: JSONValue?
    public var lastEventAt: Timestamp?
    /// The stream version of the last event folded (0 before any).
    public var version: Int64 = 0
    /// The original registration, to answer a repeated one (identical: exists).
    public var registration: JobRegistered?
    public var seenDeliveryIDs: Set<String> = []
    public var seenBodyHashes: Set<String> = []
    /// The job's most recent operator action: a re-drive identical to it
    /// (same operator, action and reason) records nothing new, whatever the
    /// action itself appended since (re-drives are idempotent; a new reason
    /// is a new re-drive).
    public var lastOperatorAction: OperatorAction?
    /// A poll got the provider's answer since the last operator action: a
    /// re-drive whose poll met a pause (429, 5xx) or no answer is not done,
    /// and the same re-drive again polls once more.
    public var answeredSinceOperatorAction = false
    /// The watchdog's last look (verdict and reason), so a look that says the
    /// same again records nothing: re-running `watchdog --once` is idempotent.
    public var lastWatchdogLook: WatchdogDecision?
    /// True once a provider reported the job processing (a webhook or a poll):
    /// the next such report is progress, not a start.
    public var startReported = false
    /// The job's notifications to the app, by notification id.
    public var notifications: [String: NotificationProgress] = [:]

    public init(jobID: String) {
        self.jobID = jobID
    }

    /// True once a `job.registered` event was folded.
    public var isRegistered: Bool { registration != nil }

    /// When the job reached its terminal status, if it has.
    public var terminalAt: Timestamp? {
        switch status {
        case .completed: completedAt
        case .failed: failedAt
        case .cancelled: cancelledAt
        case .registered, .processing: nil
        }
    }

    /// How many milliseconds after the job's outcome `webhook`, recorded at
    /// `at`, arrived, when it is a late webhook: the provider's own report
    /// (not a duplicate, not an adopted copy of an orphan, which was counted
    /// as it arrived) of a job already terminal; nil for any other. The
    /// provider's `late_webhooks` counts these, the lateness read model ranks them.
    public func lateWebhookMilliseconds(_ webhook: WebhookReceived, at: Timestamp) -> Int64? {
        guard !webhook.duplicate, webhook.adoptedFrom == nil, let terminalAt else { return nil }
        return at.millisecondsSinceEpoch - terminalAt.millisecondsSinceEpoch
    }

    /// Whether a report of `reported` contradicts the job's terminal outcome:
    /// a different terminal word that is not completion after a failure
    /// (that one is a late completion).
    public func isContradicted(by reported: ReportedStatus) -> Bool { Self.contradicts(status, reported) }

    /// The rule itself, for a status and a report read back (the conflicts report).
    public static func contradicts(_ status: JobStatus, _ reported: ReportedStatus) -> Bool {
        guard status.isTerminal, reported.isTerminal else { return false }
        switch (status, reported) {
        case (.completed, .completed), (.failed, .failed), (.cancelled, .cancelled): return false
        case (.failed, .completed), (.cancelled, .completed): return false
        default: return true
        }
    }
}
