import LedgerCore

/// Waiting for a job to change, on any writer (the API's long poll).
public protocol ChangeFeed: Sendable {
    /// The job after it next changes (on any writer), or as it is after `timeout`.
    func jobAfterChange(_ jobID: String, timeout: Duration) async throws(StoreError) -> JobState?
    /// Ends every open and later ``jobAfterChange(_:timeout:)`` at once (shutdown).
    func releaseWaiters()
}
