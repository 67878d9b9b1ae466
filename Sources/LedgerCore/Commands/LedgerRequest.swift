/// A request the store decides and appends as one transaction.
public enum LedgerRequest: Sendable, Hashable {
    /// A command about a job the caller names (register, submit, poll, cancel, ...).
    case job(jobID: String, command: JobCommand, metadata: EventMetadata)
    /// A provider webhook, routed by the job id its body names (`claimedJobID`,
    /// NCA's `id`), else by provider and external id (``WebhookRoute``); one
    /// that names no known job is stored as an orphan and adopted later.
    case webhook(WebhookReceived, claimedJobID: String? = nil, metadata: EventMetadata)
}
