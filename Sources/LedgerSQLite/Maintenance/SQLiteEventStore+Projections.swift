import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    public func account(_ account: String) async throws(StoreError) -> AccountBalance? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT charged, refunded, recharged, net FROM accounts WHERE account = ?",
                             arguments: [account])
                .map { AccountBalance(account: account, charged: $0["charged"], refunded: $0["refunded"], recharged: $0["recharged"], net: $0["net"]) }
        }
    }
}

extension SQLiteEventStore {
    /// Up to `limit` jobs after `afterJobID` in job-id order, matching `filter`:
    /// keyset paging, so a page costs the same however deep it is.
    public func jobs(_ filter: JobFilter, after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        precondition((1...JobFilter.rowsReadMax).contains(limit), "a read holds 1 to \(JobFilter.rowsReadMax) jobs")
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
