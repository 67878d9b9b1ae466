import LedgerCore

/// The auditor's ready-made reports over the facts the fold kept (`ledger
/// audit`, the admin pages), as read-only SQL the same on every engine:
/// anyone can re-run them with `ledger query`. The stuck jobs are judged by
/// the watchdog's policy at an instant (``ReadModel/stuckList(at:policy:registeredFrom:registeredTo:)``).
public enum AuditReport: String, Sendable, CaseIterable {
    case refunds, lateCompletions = "late-completions", orphans, conflicts

    /// The widest window, for a report over all time.
    public static let beginning = "0000-01-01T00:00:00.000Z"
    public static let end = "9999-12-31T23:59:59.999Z"
}

extension AuditReport {
    /// The report's SQL, rows recorded within the window. `from` and `to`
    /// must be canonical timestamps (`Timestamp.iso8601`): they are placed in the SQL text.
    public func sql(from: String, to: String) -> String {
        precondition((from + to).utf8.allSatisfy { (0x30...0x39).contains($0) || "-:.TZ".utf8.contains($0) },
                     "report windows are rendered timestamps, never raw input")
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch self {
        case .refunds:
            return """
                SELECT r.refund_position, r.recorded_at, r.job_id, r.account, r.amount, e.position AS evidence_position,
                       e.type AS evidence_type, r.evidence_source, e.recorded_at AS evidence_recorded_at
                FROM projection_refunds r LEFT JOIN events e ON e.position = r.evidence_position
                WHERE r.recorded_at \(window)
                ORDER BY r.refund_position
                """
        case .lateCompletions:
            return """
                SELECT l.late_position, l.recorded_at, l.job_id, l.policy, j.status AS first_outcome,
                       j.refunded_amount, j.recharged_amount,
                       e.position AS evidence_position, e.type AS evidence_type, l.evidence_source
                FROM projection_late_completions l
                JOIN projection_jobs j ON j.job_id = l.job_id
                LEFT JOIN events e ON e.position = l.evidence_position
                WHERE l.recorded_at \(window)
                ORDER BY l.late_position
                """
        case .conflicts:
            return """
                SELECT \(ConflictRow.columns.joined(separator: ", ")) FROM projection_conflicts
                WHERE recorded_at \(window)
                ORDER BY position
                """
        case .orphans:
            return """
                SELECT position, received_at, provider, external_id, delivery_id, duplicate,
                       adopted_job_id, adopted_position
                FROM orphans WHERE received_at \(window) ORDER BY position
                """
        }
    }
}
