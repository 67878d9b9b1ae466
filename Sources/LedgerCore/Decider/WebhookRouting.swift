/// Where an authenticated webhook belongs (docs/configuration.md, "How
/// webhooks find their job"): a pure rule over what the store looked up for it.
///
/// - The job that owns the webhook's external id: the provider's id for one
///   job, which no other job may hold.
/// - Else the job the body names by the ledger's own id (NCA's `id`), when
///   that is a registered job of the same provider; the fact records
///   `matched_by: job_id`. That id is the app's to choose and may name the
///   same job for several provider runs (a workflow id), so it only decides
///   where the external id cannot (NCA on Cloud Run draws an id of its own;
///   its failure webhooks carry none).
/// - Else an orphan, kept until the app reports that external id.
/// - A webhook with neither a known job id nor an external id has nowhere to go.
public enum WebhookRoute: Sendable, Hashable {
    case job(jobID: String, matchedBy: WebhookMatch?)
    case orphan
    case unroutable(String)
}

extension WebhookRoute {
    /// - Parameters:
    ///   - claimedJob: the state of the job the body names by our id (`claimedJobID`), if any.
    ///   - owner: the job that owns the webhook's external id, if any.
    public static func of(_ webhook: WebhookReceived, claimedJobID: String?, claimedJob: JobState?,
                          owner: String?) -> WebhookRoute {
        if let owner { return .job(jobID: owner, matchedBy: nil) }
        if let claimedJobID, let claimedJob, claimedJob.isRegistered, claimedJob.provider == webhook.provider {
            return .job(jobID: claimedJobID, matchedBy: .jobID)
        }
        guard !webhook.externalID.isEmpty else {
            let named = claimedJobID.map { "its job id \($0) is not a registered \(webhook.provider) job" } ?? "no job id"
            return .unroutable("the webhook names no job: no external id, and \(named)")
        }
        return .orphan
    }
}
