/// The rules `ledger verify` holds the log to, in words, one list for
/// every engine: each engine pairs them, in this order, with a query of its
/// own that returns (position, stream) of the first violation.
public enum LedgerInvariants {
    public static let rules = [
        "more than one terminal outcome (job.completed / job.failed / job.cancelled)",
        "refunded more than once",
        "refunded although the job completed",
        "a charged job failed or was cancelled without its refund",
        "refund amount differs from the job's cost",
        "recharged more than once, or without a late completion",
        "a refund without an earlier job.failed or job.cancelled in its stream",
        "a refund or recharge to an account other than the job's",
        "a recharge that is not the amount refunded before it",
        "a decision whose evidence is a duplicate webhook",
        "stream versions with a gap",
        "a job stream that does not start with job.registered",
        "a decision whose evidence_position is not an earlier event of its stream",
    ]

    /// `sql[i]` checks `rules[i]`.
    public static func pairing(sql: [String]) -> [(rule: String, sql: String)] {
        precondition(sql.count == rules.count, "one query per rule")
        return Array(zip(rules, sql))
    }
}
