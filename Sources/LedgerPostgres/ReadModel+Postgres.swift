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
        default:
            preconditionFailure("answered by portableSQL")
        }
    }
}
