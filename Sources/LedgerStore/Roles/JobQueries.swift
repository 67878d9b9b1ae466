import LedgerCore

/// A job's row of the `jobs` projection, by id: what every part that is
/// told a job id reads.
public protocol JobLookup: Sendable {
    /// The job's row of the `jobs` projection; nil for no such job.
    func job(_ jobID: String) async throws(StoreError) -> JobState?
}

/// Finding jobs by what the `jobs` projection holds: one by id, or a page of
/// those a filter matches (`ledger redrive`, the job routes, the admin list).
public protocol JobQueries: JobLookup {
    /// Jobs matching `filter`, in job-id order after `afterJobID` (keyset paging).
    func jobs(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState]
}
