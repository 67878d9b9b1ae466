import LedgerCore

/// Filters for a page of the `jobs` projection.
public struct JobFilter: Sendable, Hashable {
    /// The most jobs one page holds (the API's `?limit=`).
    public static let pageSizeMax = 1000
    /// The most jobs one read returns: a page and the one job past it that
    /// says whether another page follows (``JobQueries/jobPage(_:after:limit:)``).
    public static let rowsReadMax = pageSizeMax + 1
    public var status: JobStatus?
    public var provider: String?
    public var account: String?
    /// Registered at or after this instant.
    public var registeredFrom: Timestamp?
    /// Registered before this instant.
    public var registeredBefore: Timestamp?
    /// The provider's id for the job; give `provider` too, or every job is read to find it.
    public var externalID: String?

    public init(status: JobStatus? = nil, provider: String? = nil, account: String? = nil,
                registeredFrom: Timestamp? = nil, registeredBefore: Timestamp? = nil, externalID: String? = nil) {
        self.status = status
        self.provider = provider
        self.account = account
        self.registeredFrom = registeredFrom
        self.registeredBefore = registeredBefore
        self.externalID = externalID
    }

    /// Each condition as (SQL with one placeholder `?`, value), for either engine.
    public var conditions: [(sql: String, value: String)] {
        var conditions: [(String, String)] = []
        if let status { conditions.append(("status = ?", status.rawValue)) }
        if let provider { conditions.append(("provider = ?", provider)) }
        if let account { conditions.append(("account = ?", account)) }
        if let registeredFrom { conditions.append(("registered_at >= ?", registeredFrom.iso8601)) }
        if let registeredBefore { conditions.append(("registered_at < ?", registeredBefore.iso8601)) }
        if let externalID { conditions.append(("external_id = ?", externalID)) }
        return conditions
    }
}
