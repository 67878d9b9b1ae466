import LedgerCore

/// The stuck jobs, selected by the facts the fold stores: a job's status
/// says what the watchdog awaits of it and `coalesce(submitted_at,
/// registered_at)` since when (``WatchdogPolicy/awaited(_:)``); the policy
/// gives, per thing awaited, the instant before which a job is stuck. The
/// same SQL on every engine.
enum StuckJobs {
    /// Where a job's watchdog clock starts, as a column expression.
    static let since = "coalesce(submitted_at, registered_at)"

    /// The condition on `projection_jobs` rows that are stuck at `at`.
    static func condition(at: Timestamp, policy: WatchdogPolicy) -> String {
        WatchdogPolicy.Awaited.allCases.map { awaited in
            "(status = '\(awaited.status.rawValue)' AND \(since) < '\(policy.stuckCutoff(awaiting: awaited, at: at).iso8601)')"
        }.joined(separator: " OR ")
    }

    /// By status: `status`, `jobs`, `oldest_since` (``withAges(_:at:)`` adds `oldest_age_s`).
    static func countsSQL(at: Timestamp, policy: WatchdogPolicy) -> String {
        """
        SELECT status, count(*) AS jobs, min(\(since)) AS oldest_since FROM projection_jobs
        WHERE \(condition(at: at, policy: policy))
        GROUP BY status ORDER BY status
        """
    }

    /// The counts with `oldest_age_s`: whole seconds from `oldest_since` to `at`.
    static func withAges(_ table: ReadTable, at: Timestamp) -> ReadTable {
        let rows = zip(table.rows, table.records).map { row, record -> [String?] in
            let since = record["oldest_since"].flatMap(Timestamp.init(iso8601:))
            return row + [since.map { String((at.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000) }]
        }
        return ReadTable(columns: table.columns + ["oldest_age_s"], rows: rows)
    }
}
