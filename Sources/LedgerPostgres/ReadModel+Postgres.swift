import LedgerCore
import LedgerStore

extension ReadModel {
    /// The read model as PostgreSQL SQL: the columns, rows, row order and
    /// text of `sqliteSQL`. Times enter the text only as rendered
    /// timestamps (digits and separators).
    ///
    /// Where SQLite's answer has an order the SQL does not spell out, the SQL
    /// here spells it: a GROUP BY comes out in the grouped columns' order
    /// there, ties keep the order rows were read in, and NULL sorts first
    /// (so last in a descending order). Durations are computed as SQLite
    /// computes them (`ledger_julianday`, see ``PostgresMigrations/v2Views``)
    /// and rounded numbers are `double precision`, read as SQLite's REAL is.
    var postgresSQL: String {
        if let portable = portableSQL { return portable }
        switch self {
        case .jobsByStatus, .balances, .providerHealth, .deadLetters, .overdueNotifications, .stuckJobs:
            preconditionFailure("answered by portableSQL")
        case .audit(let report, let from, let to, let limit):
            let sql = report.postgresSQL(from: from?.iso8601 ?? AuditReport.beginning, to: to?.iso8601 ?? AuditReport.end)
            return limit.map { "SELECT * FROM (\(sql)) AS report LIMIT \($0)" } ?? sql
        case .recentJobs(let limit):
            // Ties in SQLite's order: the jobs' rows as inserted, that is as the
            // jobs were registered. Only the rows that can make the page are looked up.
            return """
                SELECT job_id, provider, status, completion_source, last_event_at FROM (
                    SELECT job_id, provider, status, completion_source, last_event_at FROM jobs
                    ORDER BY last_event_at DESC NULLS LAST FETCH FIRST \(limit) ROWS WITH TIES) AS recent
                ORDER BY last_event_at DESC NULLS LAST,
                         (SELECT position FROM events WHERE stream = 'job-' || recent.job_id AND version = 1)
                LIMIT \(limit)
                """
        case .detectionLatencyByDay(let limit):
            return """
                SELECT provider, left(coalesce(completed_at, failed_at, cancelled_at), 10) AS day,
                       round(avg((ledger_julianday(coalesce(completed_at, failed_at, cancelled_at)::timestamptz)
                                  - ledger_julianday(registered_at::timestamptz)) * 86400)::numeric, 1)::double precision AS seconds
                FROM jobs WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
                GROUP BY provider, day ORDER BY day DESC NULLS LAST, provider LIMIT \(limit)
                """
        case .outcomesBySourceByDay(let limit):
            return """
                SELECT provider, completion_source, left(coalesce(completed_at, failed_at, cancelled_at), 10) AS day, count(*) AS jobs
                FROM jobs WHERE completion_source IS NOT NULL GROUP BY provider, completion_source, day
                ORDER BY day DESC NULLS LAST, provider, completion_source LIMIT \(limit)
                """
        case .webhookLateness:
            return Self.postgresWebhookLatenessSQL
        case .unknownStatuses(let from, let to):
            return """
                SELECT provider, raw_status, reports, last_seen_at FROM unknown_statuses
                WHERE last_seen_at >= '\(from?.iso8601 ?? AuditReport.beginning)' AND last_seen_at <= '\(to?.iso8601 ?? AuditReport.end)'
                ORDER BY provider, last_seen_at DESC, raw_status LIMIT 500
                """
        case .page(let page):
            return page.sql(wrapping: Self.postgresList(page.list))
        case .waitingOrphans(let before):
            return """
                SELECT provider, count(*) AS orphans FROM orphans
                WHERE adopted_job_id IS NULL AND duplicate = 0 AND received_at < '\(before.iso8601)' GROUP BY provider
                ORDER BY provider
                """
        case .silentWebhooks(let pollsSince, let webhooksBefore):
            // One health row per provider: grouping by its time as well changes no group.
            return """
                SELECT j.provider, count(*) AS completed_by_poll, h.last_webhook_at
                FROM events c JOIN projection_jobs j ON c.stream = 'job-' || j.job_id
                LEFT JOIN projection_provider_health h ON h.provider = j.provider
                WHERE c.type = 'job.completed' AND (c.data->>'source') = 'poll' AND c.recorded_at >= '\(pollsSince.iso8601)'
                GROUP BY j.provider, h.last_webhook_at
                HAVING h.last_webhook_at IS NULL OR h.last_webhook_at < '\(webhooksBefore.iso8601)'
                ORDER BY j.provider
                """
        }
    }

    private static let postgresWebhookLatenessSQL = """
        WITH terminal AS (
            SELECT stream, min(position) AS position, min(recorded_at) AS at FROM events
            WHERE type IN ('job.completed', 'job.failed', 'job.cancelled') GROUP BY stream),
        late AS (
            SELECT j.provider, (ledger_julianday(w.recorded_at::timestamptz) - ledger_julianday(t.at::timestamptz)) * 86400 AS seconds
            FROM events w JOIN terminal t ON t.stream = w.stream AND w.position > t.position
            JOIN projection_jobs j ON w.stream = 'job-' || j.job_id
            WHERE w.type = 'webhook.received' AND coalesce((w.data->>'duplicate')::boolean, false) = false),
        ranked AS (
            SELECT provider, seconds, row_number() OVER (PARTITION BY provider ORDER BY seconds) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total FROM late)
        SELECT provider, max(total) AS late_webhooks,
               round(min(CASE WHEN rank >= 0.5 * total THEN seconds END)::numeric, 1)::double precision AS lateness_p50_s,
               round(min(CASE WHEN rank >= 0.95 * total THEN seconds END)::numeric, 1)::double precision AS lateness_p95_s
        FROM ranked GROUP BY provider ORDER BY provider
        """

    /// The whole of a paged list (``ListPage``): the page's SQL cuts it.
    private static func postgresList(_ list: ListPage.List) -> String {
        switch list {
        case .refunds: AuditReport.refunds.postgresSQL(from: AuditReport.beginning, to: AuditReport.end)
        case .orphans: AuditReport.orphans.postgresSQL(from: AuditReport.beginning, to: AuditReport.end)
        case .stuck: AuditReport.stuck.postgresSQL(from: AuditReport.beginning, to: AuditReport.end)
        case .deadLetters, .deliveries: preconditionFailure("answered by portableSQL")
        }
    }


}
