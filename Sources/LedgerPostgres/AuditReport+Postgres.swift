import LedgerCore
import LedgerStore

extension AuditReport {
    /// The report as PostgreSQL SQL: the columns, rows, row order and text of
    /// ``sql(from:to:)``. `from` and `to` must be canonical timestamps
    /// (`Timestamp.iso8601`): they are placed in the SQL text.
    func postgresSQL(from: String, to: String) -> String {
        precondition((from + to).utf8.allSatisfy { (0x30...0x39).contains($0) || "-:.TZ".utf8.contains($0) },
                     "report windows are rendered timestamps, never raw input")
        if let portable = portableSQL(from: from, to: to) { return portable }
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch self {
        case .refunds, .lateCompletions, .conflicts, .orphans:
            preconditionFailure("answered by portableSQL")
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
