import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    public func totals() async throws(StoreError) -> LedgerTotals {
        try await read { db in
            var totals = LedgerTotals()
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS jobs FROM projection_jobs GROUP BY status") {
                guard let status = JobStatus(rawValue: row["status"]) else { continue }
                totals.jobsByStatus[status] = row["jobs"]
            }
            let sums = try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE refunded_amount > 0) AS refunds,
                       coalesce(sum(refunded_amount >> 32), 0) AS refunded_high, coalesce(sum(refunded_amount & 4294967295), 0) AS refunded_low,
                       coalesce(sum(conflict_count), 0) AS conflicts
                FROM projection_jobs
                """)
            totals.refunds = sums?["refunds"] ?? 0
            // Summed in halves, so no 64-bit sum overflows in SQLite: exact up to Int64.max, saturated past it.
            totals.refundedCredits = LedgerTotals.joined(high: sums?["refunded_high"] ?? 0, low: sums?["refunded_low"] ?? 0)
            totals.conflicts = sums?["conflicts"] ?? 0
            totals.orphansUnadopted = try Int64.fetchOne(
                db, sql: "SELECT count(*) FROM projection_orphans WHERE adopted_job_id IS NULL AND duplicate = 0") ?? 0
            totals.position = try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events") ?? 0
            for row in try Row.fetchAll(db, sql: """
                SELECT provider, terminal_webhook, terminal_poll, terminal_watchdog, terminal_manual, terminal_app
                FROM projection_provider_health
                """) {
                let provider: String = row["provider"]
                let sources = ["webhook", "poll", "watchdog", "manual", "app"]
                let counts: [Int64] = sources.map { row["terminal_" + $0] }
                totals.outcomesByProvider[provider] = Dictionary(uniqueKeysWithValues: zip(sources, counts))
                if counts[0] + counts[1] > 0 { totals.pollShare[provider] = Double(counts[1]) / Double(counts[0] + counts[1]) }
            }
            for row in try Row.fetchAll(db, sql: "SELECT provider, sum(reports) AS reports FROM projection_unknown_statuses GROUP BY provider") {
                totals.unknownStatusesByProvider[row["provider"]] = row["reports"]
            }
            let notifications = try Row.fetchOne(db, sql: NotificationReads.stageCountsSQL)
            totals.notificationsOpen = notifications?["open"] ?? 0
            totals.notificationsDeadLettered = notifications?["dead_lettered"] ?? 0
            (totals.databaseBytes, totals.walBytes) = self.fileSizes()
            return totals
        }
    }

    /// The database file's size and its WAL's, in bytes (0 for a file not there).
    public func fileSizes() -> (database: Int64, wal: Int64) {
        func size(_ path: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        return (size(path), size(path + "-wal"))
    }
}
