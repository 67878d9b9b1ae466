import LedgerCore

/// A job's history: each event of its stream with the state after it (the
/// replay endpoint, the admin timeline, `ledger replay`).
public protocol JobHistory: Sendable {
    /// A job's timeline up to `limit`; nil for no such job.
    func replay(jobID: String, until limit: ReplayLimit) async throws(StoreError) -> JobTimeline?
}

extension JobHistory {
    /// The whole timeline of a job.
    public func replay(jobID: String) async throws(StoreError) -> JobTimeline? { try await replay(jobID: jobID, until: .none) }
}
