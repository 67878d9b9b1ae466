import GRDB
import LedgerCore

/// An account's balance (the `accounts` view).
public struct AccountBalance: Sendable, Hashable {
    public var account: String
    public var charged: Int64
    public var refunded: Int64
    public var recharged: Int64
    /// `charged - refunded + recharged`.
    public var net: Int64

    public init(account: String, charged: Int64, refunded: Int64, recharged: Int64, net: Int64) {
        self.account = account
        self.charged = charged
        self.refunded = refunded
        self.recharged = recharged
        self.net = net
    }
}

extension SQLiteEventStore {
    public func account(_ account: String) async throws(StoreError) -> AccountBalance? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT charged, refunded, recharged, net FROM accounts WHERE account = ?",
                             arguments: [account])
                .map { AccountBalance(account: account, charged: $0[0], refunded: $0[1], recharged: $0[2], net: $0[3]) }
        }
    }

    /// The rows of the `provider_health` view, column for column, by provider.
    public func providerHealth() async throws(StoreError) -> [JSONValue] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM provider_health ORDER BY provider").map(Self.jsonObject)
        }
    }

    static func jsonObject(_ row: Row) -> JSONValue {
        var members: [String: JSONValue] = [:]
        for (column, value) in row {
            switch value.storage {
            case .int64(let number): members[column] = .int(number)
            case .double(let number): members[column] = .double(number)
            case .string(let text): members[column] = .string(text)
            case .null, .blob: members[column] = .null
            }
        }
        return .object(members)
    }
}

/// Filters for a page of the `jobs` projection.
public struct JobFilter: Sendable, Hashable {
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

extension SQLiteEventStore {
    /// Up to `limit` jobs after `afterJobID` in job-id order, matching `filter`:
    /// keyset paging, so a page costs the same however deep it is.
    public func jobs(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        precondition((1...1000).contains(limit), "a page holds 1 to 1000 jobs")
        return try await read { db in
            var conditions = ["job_id > ?"]
            var arguments: [any DatabaseValueConvertible] = [afterJobID ?? ""]
            for condition in filter.conditions {
                conditions.append(condition.sql)
                arguments.append(condition.value)
            }
            let sql = "SELECT * FROM projection_jobs WHERE \(conditions.joined(separator: " AND ")) ORDER BY job_id LIMIT ?"
            arguments.append(limit)
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map(JobState.init(row:))
        }
    }
}
