import LedgerCore

/// A refund as its `projection_refunds` row: the refunds report and page.
/// Its evidence's source is the job's outcome's: the refund is decided with
/// the failure or cancellation it follows, whose source the fold keeps
/// (``JobState/completionSource``).
public struct RefundRow: ProjectionRow, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var refund: CreditRefunded
    public var evidenceSource: EvidenceSource?

    public static let table = "projection_refunds"
    public static let columns = ["refund_position", "recorded_at", "job_id", "account", "amount", "evidence_position", "evidence_source"]

    /// The row of `refund`, stored as `recorded` in the job whose state before it was `before`.
    public init(_ refund: CreditRefunded, at recorded: RecordedEvent, jobBefore before: JobState) {
        position = recorded.position
        recordedAt = recorded.recordedAt
        jobID = before.jobID
        self.refund = refund
        evidenceSource = before.completionSource
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(refund.account), .integer(refund.amount),
         .integer(refund.evidencePosition), SQLValue(evidenceSource?.rawValue)]
    }
}

/// A late completion as its `projection_late_completions` row: the late
/// completions report.
public struct LateCompletionRow: ProjectionRow, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var late: JobLateCompletion

    public static let table = "projection_late_completions"
    public static let columns = ["late_position", "recorded_at", "job_id", "policy", "evidence_position", "evidence_source"]

    /// The row of `late`, stored as `recorded` in job `jobID`'s stream.
    public init(_ late: JobLateCompletion, at recorded: RecordedEvent, jobID: String) {
        position = recorded.position
        recordedAt = recorded.recordedAt
        self.jobID = jobID
        self.late = late
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(late.policy.rawValue), .integer(late.evidencePosition),
         .text(late.source.rawValue)]
    }
}

/// A provider's report that contradicts its job's outcome, as its
/// `projection_conflicts` row: the conflicts report. A report is one the
/// fold counts in the job's `conflict_count`: a provider's report
/// (``WebhookReceived/providerReport``, ``PollResult/providerReport``)
/// contradicting the outcome (``JobState/isContradicted(by:)``).
public struct ConflictRow: ProjectionRow, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var provider: String
    public var reportType: EventType
    public var reported: ReportedStatus
    public var firstOutcome: JobStatus
    public var completionSource: EvidenceSource?

    public static let table = "projection_conflicts"
    public static let columns = ["position", "recorded_at", "job_id", "provider", "report_type", "reported", "first_outcome",
                                 "completion_source"]

    /// The row of `report`, stored as `recorded`, when it contradicts the
    /// outcome of its job (state `before` it); nil otherwise.
    public static func of(_ report: ProviderReport?, at recorded: RecordedEvent, jobBefore before: JobState) -> ConflictRow? {
        guard let report, before.isContradicted(by: report.reported) else { return nil }
        return ConflictRow(position: recorded.position, recordedAt: recorded.recordedAt, jobID: before.jobID, provider: before.provider,
                           reportType: recorded.event.type, reported: report.reported, firstOutcome: before.status,
                           completionSource: before.completionSource)
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(provider), .text(reportType.rawValue),
         .text(reported.rawValue), .text(firstOutcome.rawValue), SQLValue(completionSource?.rawValue)]
    }
}
