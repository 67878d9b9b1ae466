import LedgerCore
import LedgerStore

extension AuditReport {
    /// Where a refund's or a late completion's evidence came from, by the evidence event's type.
    static let evidenceSource = """
        CASE e.type WHEN 'webhook.received' THEN 'webhook' WHEN 'poll.result' THEN 'poll'
                    WHEN 'watchdog.decision' THEN 'watchdog' WHEN 'operator.action' THEN 'manual'
                    ELSE coalesce(json_extract(e.data, '$.source'), 'app') END
        """

    func sql(from: String, to: String) -> String {
        precondition((from + to).utf8.allSatisfy { (0x30...0x39).contains($0) || "-:.TZ".utf8.contains($0) },
                     "report windows are rendered timestamps, never raw input")
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch self {
        case .refunds:
            return """
                SELECT r.position AS refund_position, r.recorded_at, substr(r.stream, 5) AS job_id,
                       json_extract(r.data, '$.account') AS account, json_extract(r.data, '$.amount') AS amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(Self.evidenceSource) AS evidence_source,
                       e.recorded_at AS evidence_recorded_at
                FROM events r LEFT JOIN events e ON e.position = json_extract(r.data, '$.evidence_position')
                WHERE r.type = 'credit.refunded' AND r.recorded_at \(window)
                ORDER BY r.position
                """
        case .lateCompletions:
            return """
                SELECT l.position AS late_position, l.recorded_at, substr(l.stream, 5) AS job_id,
                       json_extract(l.data, '$.policy') AS policy, j.status AS first_outcome,
                       j.refunded_amount, j.recharged_amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(Self.evidenceSource) AS evidence_source
                FROM events l
                JOIN projection_jobs j ON l.stream = 'job-' || j.job_id
                LEFT JOIN events e ON e.position = json_extract(l.data, '$.evidence_position')
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
                       json_extract(w.data, '$.reported_status') AS reported, j.status AS first_outcome,
                       j.completion_source
                FROM projection_jobs j
                JOIN events w ON w.stream = 'job-' || j.job_id
                WHERE j.conflict_count > 0 AND w.type IN ('webhook.received', 'poll.result')
                  AND coalesce(json_extract(w.data, '$.duplicate'), 0) = 0
                  AND w.position > (SELECT min(t.position) FROM events t WHERE t.stream = w.stream
                                    AND t.type IN ('job.completed', 'job.failed', 'job.cancelled'))
                  AND w.recorded_at \(window)
                ORDER BY w.position
                """
        case .stuck:
            return """
                SELECT job_id, account, provider, external_id, status, reason, age_s, registered_at, submitted_at, last_event_at
                FROM stuck_jobs WHERE registered_at \(window) ORDER BY age_s DESC
                """
        }
    }
}
