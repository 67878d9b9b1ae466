import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    /// Calls `body` with every job without a terminal status, a page of 500
    /// at a time in job-id order (keyset paging: memory stays one page).
    func forEachOpenJob(_ body: (JobState) async throws(StoreError) -> Void) async throws(StoreError) {
        var after: String?
        while true {
            let page = try await openJobs(after: after, limit: 500)
            guard let last = page.last else { return }
            after = last.jobID
            for job in page { try await body(job) }
        }
    }
}
