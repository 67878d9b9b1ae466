/// A job as JSON: the `jobs` projection's columns as fields, used by
/// `ledger replay --format json` and the HTTP API alike. One field differs
/// from the column: `submitted_at` of a job registered with its provider's
/// id is its registration time (the column stays NULL: no `job.submitted`
/// was recorded; the watchdog's clock starts there either way).
public struct JobSnapshot: Sendable, Hashable, Codable {
    public var jobID: String
    public var account: String
    public var provider: String
    public var operation: String
    public var externalID: String?
    public var status: JobStatus
    public var providerStatus: String?
    public var outputs: JSONValue
    /// Every http(s) URL in `outputs`, in order, without duplicates.
    public var outputURLs: [String]
    public var failureReason: String?
    public var completionSource: EvidenceSource?
    public var cost: Int64
    public var refundedAmount: Int64
    public var rechargedAmount: Int64
    public var webhookCount: Int64
    public var duplicateCount: Int64
    public var pollCount: Int64
    public var conflictCount: Int64
    public var registeredAt: Timestamp?
    public var submittedAt: Timestamp?
    public var completedAt: Timestamp?
    public var failedAt: Timestamp?
    public var cancelledAt: Timestamp?
    public var lateCompletedAt: Timestamp?
    public var lateOutputs: JSONValue?
    public var lastEventAt: Timestamp?
    public var version: Int64

    public init(_ state: JobState) {
        jobID = state.jobID
        account = state.account
        provider = state.provider
        operation = state.operation
        externalID = state.externalID
        status = state.status
        providerStatus = state.providerStatus
        outputs = state.outputs
        outputURLs = state.outputURLs
        failureReason = state.failureReason
        completionSource = state.completionSource
        cost = state.cost
        refundedAmount = state.refundedAmount
        rechargedAmount = state.rechargedAmount
        webhookCount = state.webhookCount
        duplicateCount = state.duplicateCount
        pollCount = state.pollCount
        conflictCount = state.conflictCount
        registeredAt = state.registeredAt
        // A job registered with the provider's id was submitted when it was registered.
        submittedAt = state.submittedAt ?? (state.externalID != nil ? state.registeredAt : nil)
        completedAt = state.completedAt
        failedAt = state.failedAt
        cancelledAt = state.cancelledAt
        lateCompletedAt = state.lateCompletedAt
        lateOutputs = state.lateOutputs
        lastEventAt = state.lastEventAt
        version = state.version
    }

    /// Nil values are written as `null`, so every column is always present.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jobID, forKey: .jobID)
        try container.encode(account, forKey: .account)
        try container.encode(provider, forKey: .provider)
        try container.encode(operation, forKey: .operation)
        try container.encode(externalID, forKey: .externalID)
        try container.encode(status, forKey: .status)
        try container.encode(providerStatus, forKey: .providerStatus)
        try container.encode(outputs, forKey: .outputs)
        try container.encode(outputURLs, forKey: .outputURLs)
        try container.encode(failureReason, forKey: .failureReason)
        try container.encode(completionSource, forKey: .completionSource)
        try container.encode(cost, forKey: .cost)
        try container.encode(refundedAmount, forKey: .refundedAmount)
        try container.encode(rechargedAmount, forKey: .rechargedAmount)
        try container.encode(webhookCount, forKey: .webhookCount)
        try container.encode(duplicateCount, forKey: .duplicateCount)
        try container.encode(pollCount, forKey: .pollCount)
        try container.encode(conflictCount, forKey: .conflictCount)
        try container.encode(registeredAt, forKey: .registeredAt)
        try container.encode(submittedAt, forKey: .submittedAt)
        try container.encode(completedAt, forKey: .completedAt)
        try container.encode(failedAt, forKey: .failedAt)
        try container.encode(cancelledAt, forKey: .cancelledAt)
        try container.encode(lateCompletedAt, forKey: .lateCompletedAt)
        try container.encode(lateOutputs, forKey: .lateOutputs)
        try container.encode(lastEventAt, forKey: .lastEventAt)
        try container.encode(version, forKey: .version)
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", account, provider, operation, externalID = "external_id", status
        case providerStatus = "provider_status", outputs, outputURLs = "output_urls", failureReason = "failure_reason"
        case completionSource = "completion_source", cost, refundedAmount = "refunded_amount"
        case rechargedAmount = "recharged_amount", webhookCount = "webhook_count"
        case duplicateCount = "duplicate_count", pollCount = "poll_count", conflictCount = "conflict_count"
        case registeredAt = "registered_at", submittedAt = "submitted_at", completedAt = "completed_at"
        case failedAt = "failed_at", cancelledAt = "cancelled_at", lateCompletedAt = "late_completed_at"
        case lateOutputs = "late_outputs", lastEventAt = "last_event_at", version
    }
}
