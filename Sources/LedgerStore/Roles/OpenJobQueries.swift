import LedgerCore

/// The jobs still waiting for their outcome: the poller's and the watchdog's
/// work list, read a page at a time.
public protocol OpenJobQueries: Sendable {
    /// Jobs without a terminal status, after `afterJobID` in job-id order.
    func openJobs(after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState]
}

extension OpenJobQueries {
    /// Calls `body` with every job without a terminal status, a page of 500
    /// at a time in job-id order (keyset paging: memory stays one page).
    public func forEachOpenJob(_ body: (JobState) async throws(StoreError) -> Void) async throws(StoreError) {
        var after: String?
        while true {
            let page = try await openJobs(after: after, limit: 500)
            guard let last = page.last else { return }
            after = last.jobID
            for job in page { try await body(job) }
        }
    }
}
