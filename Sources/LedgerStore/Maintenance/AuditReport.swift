import LedgerCore

/// The auditor's ready-made reports (`ledger audit`, the admin pages), as
/// read-only SQL over the log and the projections: anyone can re-run them
/// with `ledger query` (the conflicts report's SQL gives the candidates, which
/// ``ReadModel/judged(_:)`` cuts to the contradictions by the core's rule). `from` and `to` must be canonical timestamps
/// (`Timestamp.iso8601`): they are placed in the SQL text.
public enum AuditReport: String, Sendable, CaseIterable {
    case refunds, lateCompletions = "late-completions", orphans, conflicts, stuck

    /// The widest window, for a report over all time.
    public static let beginning = "0000-01-01T00:00:00.000Z"
    public static let end = "9999-12-31T23:59:59.999Z"
}
