import GRDB
import LedgerCore

/// The `projection_jobs` row of a job: the ``JobState`` column for column.
extension JobState {
    static let columns = [
        "job_id", "account", "provider", "operation", "external_id", "status", "provider_status", "outputs",
        "failure_reason", "completion_source", "cost", "refunded_amount", "recharged_amount", "webhook_count",
        "duplicate_count", "poll_count", "conflict_count", "registered_at", "submitted_at", "completed_at",
        "failed_at", "cancelled_at", "late_completed_at", "late_outputs", "last_event_at", "version",
    ]

    var rowArguments: StatementArguments {
        [jobID, account, provider, operation, externalID, status.rawValue, providerStatus, outputs.jsonText,
         failureReason, completionSource?.rawValue, cost, refundedAmount, rechargedAmount, webhookCount,
         duplicateCount, pollCount, conflictCount, registeredAt?.iso8601, submittedAt?.iso8601,
         completedAt?.iso8601, failedAt?.iso8601, cancelledAt?.iso8601, lateCompletedAt?.iso8601,
         lateOutputs?.jsonText, lastEventAt?.iso8601, version]
    }

    /// A state read back from a row (without the in-memory duplicate sets).
    init(row: Row) {
        self.init(jobID: row["job_id"])
        account = row["account"]
        provider = row["provider"]
        operation = row["operation"]
        externalID = row["external_id"]
        status = JobStatus(rawValue: row["status"]) ?? .registered
        providerStatus = row["provider_status"]
        outputs = JSONValue(jsonText: row["outputs"]) ?? .null
        failureReason = row["failure_reason"]
        completionSource = (row["completion_source"] as String?).flatMap(EvidenceSource.init(rawValue:))
        cost = row["cost"]
        refundedAmount = row["refunded_amount"]
        rechargedAmount = row["recharged_amount"]
        webhookCount = row["webhook_count"]
        duplicateCount = row["duplicate_count"]
        pollCount = row["poll_count"]
        conflictCount = row["conflict_count"]
        registeredAt = Self.time(row["registered_at"])
        submittedAt = Self.time(row["submitted_at"])
        completedAt = Self.time(row["completed_at"])
        failedAt = Self.time(row["failed_at"])
        cancelledAt = Self.time(row["cancelled_at"])
        lateCompletedAt = Self.time(row["late_completed_at"])
        lateOutputs = (row["late_outputs"] as String?).flatMap { JSONValue(jsonText: $0) }
        lastEventAt = Self.time(row["last_event_at"])
        version = row["version"]
    }

    private static func time(_ text: String?) -> Timestamp? { text.flatMap { Timestamp(iso8601: $0) } }
}
