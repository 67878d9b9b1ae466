import LedgerCore

/// A value bound to or read from a SQL column, whichever engine.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
}

/// Reads one row's columns by name (each engine adapts its row type).
public protocol ColumnReader {
    func text(_ column: String) -> String?
    func integer(_ column: String) -> Int64?
}

/// The `projection_jobs` row of a job: the ``JobState`` column for column,
/// the same on every engine.
extension JobState {
    public static let columns = [
        "job_id", "account", "provider", "operation", "external_id", "status", "provider_status", "outputs",
        "failure_reason", "completion_source", "cost", "refunded_amount", "recharged_amount", "webhook_count",
        "duplicate_count", "poll_count", "conflict_count", "registered_at", "submitted_at", "completed_at",
        "failed_at", "cancelled_at", "late_completed_at", "late_outputs", "last_event_at", "version",
    ]

    /// The row's values in ``columns`` order; its outputs as ``ProjectionText`` shows them.
    public var rowValues: [SQLValue] {
        [.text(jobID), .text(account), .text(provider), .text(operation), SQLValue(externalID), .text(status.rawValue),
         SQLValue(providerStatus), .text(ProjectionText.shownJSON(outputs.jsonText)), SQLValue(failureReason), SQLValue(completionSource?.rawValue),
         .integer(cost), .integer(refundedAmount), .integer(rechargedAmount), .integer(webhookCount),
         .integer(duplicateCount), .integer(pollCount), .integer(conflictCount), SQLValue(registeredAt?.iso8601),
         SQLValue(submittedAt?.iso8601), SQLValue(completedAt?.iso8601), SQLValue(failedAt?.iso8601),
         SQLValue(cancelledAt?.iso8601), SQLValue(lateCompletedAt?.iso8601), SQLValue(lateOutputs.map { ProjectionText.shownJSON($0.jsonText) }),
         SQLValue(lastEventAt?.iso8601), .integer(version)]
    }

    /// A state read back from a row (without the in-memory duplicate sets).
    public init(reading row: some ColumnReader) {
        self.init(jobID: row.text("job_id") ?? "")
        account = row.text("account") ?? ""
        provider = row.text("provider") ?? ""
        operation = row.text("operation") ?? ""
        externalID = row.text("external_id")
        status = row.text("status").flatMap(JobStatus.init(rawValue:)) ?? .registered
        providerStatus = row.text("provider_status")
        outputs = row.text("outputs").flatMap { JSONValue(jsonText: $0) } ?? .null
        failureReason = row.text("failure_reason")
        completionSource = row.text("completion_source").flatMap(EvidenceSource.init(rawValue:))
        cost = row.integer("cost") ?? 0
        refundedAmount = row.integer("refunded_amount") ?? 0
        rechargedAmount = row.integer("recharged_amount") ?? 0
        webhookCount = row.integer("webhook_count") ?? 0
        duplicateCount = row.integer("duplicate_count") ?? 0
        pollCount = row.integer("poll_count") ?? 0
        conflictCount = row.integer("conflict_count") ?? 0
        registeredAt = Self.time(row.text("registered_at"))
        submittedAt = Self.time(row.text("submitted_at"))
        completedAt = Self.time(row.text("completed_at"))
        failedAt = Self.time(row.text("failed_at"))
        cancelledAt = Self.time(row.text("cancelled_at"))
        lateCompletedAt = Self.time(row.text("late_completed_at"))
        lateOutputs = row.text("late_outputs").flatMap { JSONValue(jsonText: $0) }
        lastEventAt = Self.time(row.text("last_event_at"))
        version = row.integer("version") ?? 0
    }

    private static func time(_ text: String?) -> Timestamp? { text.flatMap { Timestamp(iso8601: $0) } }
}
