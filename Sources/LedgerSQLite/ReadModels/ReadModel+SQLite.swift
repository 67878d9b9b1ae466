import Foundation
import LedgerCore
import LedgerStore

extension ReadModel {
    /// The read model as SQLite SQL over the log and the projections. Times
    /// enter the text only as rendered timestamps (digits and separators).
    var sqliteSQL: String {
        if let portable = portableSQL { return portable }
        switch self {
        case .jobsByStatus, .balances, .providerHealth, .deadLetters, .overdueNotifications, .stuckJobs:
            preconditionFailure("answered by portableSQL")
        case .audit(let report, let from, let to, let limit):
            let sql = report.sql(from: from?.iso8601 ?? AuditReport.beginning, to: to?.iso8601 ?? AuditReport.end)
            return limit.map { "SELECT * FROM (\(sql)) LIMIT \($0)" } ?? sql
        case .recentJobs(let limit):
            return "SELECT job_id, provider, status, completion_source, last_event_at FROM jobs ORDER BY last_event_at DESC LIMIT \(limit)"
        case .detectionLatencyByDay(let limit):
            return """
                SELECT provider, date(coalesce(completed_at, failed_at, cancelled_at)) AS day,
                       round(avg((julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) * 86400), 1) AS seconds
                FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
                GROUP BY provider, day ORDER BY day DESC LIMIT \(limit)
                """
        case .outcomesBySourceByDay(let limit):
            return """
                SELECT provider, completion_source, date(coalesce(completed_at, failed_at, cancelled_at)) AS day, count(*) AS jobs
                FROM jobs WHERE completion_source IS NOT NULL GROUP BY provider, completion_source, day
                ORDER BY day DESC, provider, completion_source LIMIT \(limit)
                """
        case .webhookLateness:
            return Self.webhookLatenessSQL
        case .unknownStatuses(let from, let to):
            return """
                SELECT provider, raw_status, reports, last_seen_at FROM unknown_statuses
                WHERE last_seen_at >= '\(from?.iso8601 ?? AuditReport.beginning)' AND last_seen_at <= '\(to?.iso8601 ?? AuditReport.end)'
                ORDER BY provider, last_seen_at DESC LIMIT 500
                """
        case .page(let page):
            return page.sql(wrapping: Self.sqliteList(page.list))
        case .waitingOrphans(let before):
            return """
                SELECT provider, count(*) AS orphans FROM orphans
                WHERE adopted_job_id IS NULL AND duplicate = 0 AND received_at < '\(before.iso8601)' GROUP BY provider
                """
        case .silentWebhooks(let pollsSince, let webhooksBefore):
            return """
                SELECT j.provider, count(*) AS completed_by_poll, h.last_webhook_at
                FROM events c JOIN projection_jobs j ON c.stream = 'job-' || j.job_id
                LEFT JOIN projection_provider_health h ON h.provider = j.provider
                WHERE c.type = 'job.completed' AND json_extract(c.data, '$.source') = 'poll' AND c.recorded_at >= '\(pollsSince.iso8601)'
                GROUP BY j.provider
                HAVING h.last_webhook_at IS NULL OR h.last_webhook_at < '\(webhooksBefore.iso8601)'
                """
        }
    }

    private static let webhookLatenessSQL = """
        WITH terminal AS (
            SELECT stream, min(position) AS position, min(recorded_at) AS at FROM events
            WHERE type IN ('job.completed', 'job.failed', 'job.cancelled') GROUP BY stream),
        late AS (
            SELECT j.provider, (julianday(w.recorded_at) - julianday(t.at)) * 86400 AS seconds
            FROM events w JOIN terminal t ON t.stream = w.stream AND w.position > t.position
            JOIN projection_jobs j ON w.stream = 'job-' || j.job_id
            WHERE w.type = 'webhook.received' AND coalesce(json_extract(w.data, '$.duplicate'), 0) = 0),
        ranked AS (
            SELECT provider, seconds, row_number() OVER (PARTITION BY provider ORDER BY seconds) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total FROM late)
        SELECT provider, max(total) AS late_webhooks,
               round(min(CASE WHEN rank >= 0.5 * total THEN seconds END), 1) AS lateness_p50_s,
               round(min(CASE WHEN rank >= 0.95 * total THEN seconds END), 1) AS lateness_p95_s
        FROM ranked GROUP BY provider ORDER BY provider
        """

    /// The whole of a paged list (``ListPage``): the page's SQL cuts it.
    private static func sqliteList(_ list: ListPage.List) -> String {
        switch list {
        case .refunds: AuditReport.refunds.sql(from: AuditReport.beginning, to: AuditReport.end)
        case .orphans: AuditReport.orphans.sql(from: AuditReport.beginning, to: AuditReport.end)
        case .stuck: AuditReport.stuck.sql(from: AuditReport.beginning, to: AuditReport.end)
        case .deadLetters, .deliveries: preconditionFailure("answered by portableSQL")
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
