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
    /// Jobs matching `filter`, in job-id order after `afterJobID` (keyset paging), at most
    /// `limit` (1 to ``JobFilter/rowsReadMax``).
    func jobs(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState]
}

/// One page of a job list: at most the asked-for number of jobs, and the id
/// the next page starts after (nil on the last page, full or not).
public struct JobPage: Sendable {
    public var jobs: [JobState]
    public var nextAfter: String?

    public init(jobs: [JobState], nextAfter: String?) {
        self.jobs = jobs
        self.nextAfter = nextAfter
    }
}

extension JobQueries {
    /// At most `limit` jobs (1 to ``JobFilter/pageSizeMax``) matching `filter`
    /// after `afterJobID`; one job past the page is read to know whether a
    /// next page has any (a cursor to an empty page misleads a client).
    public func jobPage(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> JobPage {
        precondition((1...JobFilter.pageSizeMax).contains(limit), "a page holds 1 to \(JobFilter.pageSizeMax) jobs")
        let found = try await jobs(filter, after: afterJobID, limit: limit + 1)
        let page = Array(found.prefix(limit))
        return JobPage(jobs: page, nextAfter: found.count > limit ? page.last?.jobID : nil)
    }
}
