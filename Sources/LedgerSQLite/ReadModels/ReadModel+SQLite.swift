import Foundation
import LedgerCore
import LedgerStore

extension ReadModel {
    /// The read model as SQLite SQL over the log and the projections. Times
    /// enter the text only as rendered timestamps (digits and separators).
    var sqliteSQL: String {
        if let portable = portableSQL { return portable }
        switch self {
        case .recentJobs(let limit):
            return "SELECT job_id, provider, status, completion_source, last_event_at FROM jobs ORDER BY last_event_at DESC LIMIT \(limit)"
        case .detectionLatencyByDay(let limit):
            return """
                SELECT provider, date(coalesce(completed_at, failed_at, cancelled_at)) AS day,
                       round(avg((julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) * 86400), 1) AS seconds
                FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
                GROUP BY provider, day ORDER BY day DESC LIMIT \(limit)
                """
        default:
            preconditionFailure("answered by portableSQL")
        }
    }
}

extension SQLiteEventStore {
    /// Answers a read model on a read-only connection, off the cooperative
    /// pool, within a time budget.
    public func table(_ model: ReadModel) async throws(StoreError) -> ReadTable {
        model.judged(try await runReadOnly(model.sqliteSQL, budgetMilliseconds: 60_000))
    }

    /// The auditor's own SQL (`ledger query`): read-only, one statement, within its budget.
    public func query(_ sql: String, budgetMilliseconds: Int) async throws(ReadOnlyQuery.Failure) -> ReadTable {
        let query = ReadOnlyQuery(path: path, timeBudgetMilliseconds: budgetMilliseconds)
        let result: Result<ReadTable, ReadOnlyQuery.Failure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(ReadOnlyQuery.Failure) in try query.run(sql) })
            }
        }
        return try result.get()
    }

    private func runReadOnly(_ sql: String, budgetMilliseconds: Int) async throws(StoreError) -> ReadTable {
        do {
            return try await query(sql, budgetMilliseconds: budgetMilliseconds)
        } catch .cannotOpen(let detail) {
            throw .cannotOpen(path: path, detail: detail)
        } catch {
            throw .storageUnavailable("a read model could not be answered: \(error.description)")
        }
    }
}
