import LedgerCore
import LedgerStore

extension AuditReport {
    /// Where a refund's or a late completion's evidence came from, by the evidence event's type.
    static let postgresEvidenceSource = """
        CASE e.type WHEN 'webhook.received' THEN 'webhook' WHEN 'poll.result' THEN 'poll'
                    WHEN 'watchdog.decision' THEN 'watchdog' WHEN 'operator.action' THEN 'manual'
                    ELSE coalesce((e.data->>'source'), 'app') END
        """

    /// The report as PostgreSQL SQL: the columns, rows, row order and text of
    /// ``sql(from:to:)``. `from` and `to` must be canonical timestamps
    /// (`Timestamp.iso8601`): they are placed in the SQL text.
    func postgresSQL(from: String, to: String) -> String {
        precondition((from + to).utf8.allSatisfy { (0x30...0x39).contains($0) || "-:.TZ".utf8.contains($0) },
                     "report windows are rendered timestamps, never raw input")
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch self {
        case .refunds:
            return """
                SELECT r.position AS refund_position, r.recorded_at, substr(r.stream, 5) AS job_id,
                       (r.data->>'account') AS account, (r.data->>'amount')::bigint AS amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(Self.postgresEvidenceSource) AS evidence_source,
                       e.recorded_at AS evidence_recorded_at
                FROM events r LEFT JOIN events e ON e.position = (r.data->>'evidence_position')::bigint
                WHERE r.type = 'credit.refunded' AND r.recorded_at \(window)
                ORDER BY r.position
                """
        case .lateCompletions:
            return """
                SELECT l.position AS late_position, l.recorded_at, substr(l.stream, 5) AS job_id,
                       (l.data->>'policy') AS policy, j.status AS first_outcome,
                       j.refunded_amount, j.recharged_amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(Self.postgresEvidenceSource) AS evidence_source
                FROM events l
                JOIN projection_jobs j ON l.stream = 'job-' || j.job_id
                LEFT JOIN events e ON e.position = (l.data->>'evidence_position')::bigint
                WHERE l.type = 'job.late_completion' AND l.recorded_at \(window)
                ORDER BY l.position
                """
        case .orphans:
            return """
                SELECT position, received_at, provider, external_id, delivery_id, duplicate,
                       adopted_job_id, adopted_position
                FROM orphans WHERE received_at \(window) ORDER BY position
                """
        case .conflicts:
            // The candidates: every later report of a job with conflicts. Which of them
            // contradict its outcome the core judges (`ReadModel.judged`), as the fold does.
            return """
                SELECT w.position, w.recorded_at, j.job_id, j.provider, w.type AS report_type,
                       (w.data->>'reported_status') AS reported, j.status AS first_outcome,
                       j.completion_source
                FROM projection_jobs j
                JOIN events w ON w.stream = 'job-' || j.job_id
                WHERE j.conflict_count > 0 AND w.type IN ('webhook.received', 'poll.result')
                  AND coalesce((w.data->>'duplicate')::boolean, false) = false
                  AND w.position > (SELECT min(t.position) FROM events t WHERE t.stream = w.stream
                                    AND t.type IN ('job.completed', 'job.failed', 'job.cancelled'))
                  AND w.recorded_at \(window)
                ORDER BY w.position
                """
        case .stuck:
            // Ties as SQLite reads the rows: by status and provider (its index), then as the jobs were registered.
            return """
                SELECT job_id, account, provider, external_id, status, reason, age_s, registered_at, submitted_at, last_event_at
                FROM stuck_jobs WHERE registered_at \(window)
                ORDER BY age_s DESC NULLS LAST, status, provider,
                         (SELECT position FROM events WHERE stream = 'job-' || stuck_jobs.job_id AND version = 1)
                """
        }
    }
}
