import LedgerCore

/// A refund as its `projection_refunds` row: the refunds report and page.
/// Its evidence's source is the job's outcome's: the refund is decided with
/// the failure or cancellation it follows, whose source the fold keeps
/// (``JobState/completionSource``).
public struct RefundRow: Sendable, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var refund: CreditRefunded
    public var evidenceSource: EvidenceSource?

    public static let columns = ["refund_position", "recorded_at", "job_id", "account", "amount", "evidence_position", "evidence_source"]

    /// The row `recorded` adds to the job whose state before it was `before`, or nil.
    public static func of(_ recorded: RecordedEvent, jobBefore before: JobState) -> RefundRow? {
        guard case .creditRefunded(let refund) = recorded.event else { return nil }
        return RefundRow(position: recorded.position, recordedAt: recorded.recordedAt, jobID: before.jobID, refund: refund,
                         evidenceSource: before.completionSource)
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(refund.account), .integer(refund.amount),
         .integer(refund.evidencePosition), SQLValue(evidenceSource?.rawValue)]
    }
}

/// A late completion as its `projection_late_completions` row: the late
/// completions report.
public struct LateCompletionRow: Sendable, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var late: JobLateCompletion

    public static let columns = ["late_position", "recorded_at", "job_id", "policy", "evidence_position", "evidence_source"]

    /// The row `recorded` adds to job `jobID`, or nil.
    public static func of(_ recorded: RecordedEvent, jobID: String) -> LateCompletionRow? {
        guard case .jobLateCompletion(let late) = recorded.event else { return nil }
        return LateCompletionRow(position: recorded.position, recordedAt: recorded.recordedAt, jobID: jobID, late: late)
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(late.policy.rawValue), .integer(late.evidencePosition),
         .text(late.source.rawValue)]
    }
}

/// The upsert of a row of `columns` into `table`, keyed by its first column,
/// the same text in both dialects but for the placeholders.
public enum RowUpsert {
    public static func sql(table: String, columns: [String], placeholders: [String]) -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", "))) "
            + "ON CONFLICT (\(columns[0])) DO UPDATE SET " + columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
    }
}

/// A provider's report that contradicts its job's outcome, as its
/// `projection_conflicts` row: the conflicts report. A report is one the
/// fold counts in the job's `conflict_count`: a provider's report
/// (``LedgerEvent/providerReport``) contradicting the outcome
/// (``JobState/isContradicted(by:)``).
public struct ConflictRow: Sendable, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var provider: String
    public var reportType: EventType
    public var reported: ReportedStatus
    public var firstOutcome: JobStatus
    public var completionSource: EvidenceSource?

    public static let columns = ["position", "recorded_at", "job_id", "provider", "report_type", "reported", "first_outcome",
                                 "completion_source"]

    /// The row `recorded` adds, or nil; `before` is its job's state before it.
    public static func of(_ recorded: RecordedEvent, jobBefore before: JobState) -> ConflictRow? {
        guard let report = recorded.event.providerReport, before.isContradicted(by: report.reported) else { return nil }
        return ConflictRow(position: recorded.position, recordedAt: recorded.recordedAt, jobID: before.jobID, provider: before.provider,
                           reportType: recorded.event.type, reported: report.reported, firstOutcome: before.status,
                           completionSource: before.completionSource)
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(provider), .text(reportType.rawValue),
         .text(reported.rawValue), .text(firstOutcome.rawValue), SQLValue(completionSource?.rawValue)]
    }
}
