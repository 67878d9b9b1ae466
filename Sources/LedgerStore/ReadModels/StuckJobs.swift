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

    /// The stuck jobs one by one, registered within the window (the stuck
    /// report, the admin list): `job_id`, `account`, `provider`,
    /// `external_id`, `status`, `reason` (``WatchdogPolicy/Awaited/stuckReason``),
    /// `age_s` (filled in by ``withListAges(_:at:)``), `registered_at`,
    /// `submitted_at`, `last_event_at`. Unordered: ``listKey`` orders it.
    static func listSQL(at: Timestamp, policy: WatchdogPolicy, registeredFrom: Timestamp?, registeredTo: Timestamp?) -> String {
        let reasons = WatchdogPolicy.Awaited.allCases.map { "WHEN '\($0.status.rawValue)' THEN '\($0.stuckReason)'" }
        return """
            SELECT job_id, account, provider, external_id, status, CASE status \(reasons.joined(separator: " ")) END AS reason,
                   NULL AS age_s, registered_at, submitted_at, last_event_at
            FROM projection_jobs
            WHERE (\(condition(at: at, policy: policy)))
              AND registered_at BETWEEN '\(registeredFrom?.iso8601 ?? AuditReport.beginning)' AND '\(registeredTo?.iso8601 ?? AuditReport.end)'
            """
    }

    /// The list's order, oldest first, and its pages' key: since when a job
    /// has waited, then its id (the time is fixed-width text, so the text
    /// orders as the pair does).
    static let listKey = "\(since) || ' ' || job_id"

    /// ``listKey`` of a listed job's row.
    static func listKey(of record: ReadTable.Record) -> String? {
        guard let since = waitingSince(record), let job = record["job_id"] else { return nil }
        return since + " " + job
    }

    /// Since when a listed job has waited (``since``, from its row).
    private static func waitingSince(_ record: ReadTable.Record) -> String? { record["submitted_at"] ?? record["registered_at"] }

    /// Whole seconds from `since` to `at`.
    private static func ageSeconds(since: String?, at: Timestamp) -> String? {
        since.flatMap(Timestamp.init(iso8601:)).map { String((at.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000) }
    }

    /// The list with each job's `age_s` to `at`.
    static func withListAges(_ table: ReadTable, at: Timestamp) -> ReadTable {
        guard let ageColumn = table.columns.firstIndex(of: "age_s") else { return table }
        let rows = zip(table.rows, table.records).map { row, record -> [String?] in
            var row = row
            row[ageColumn] = ageSeconds(since: waitingSince(record), at: at)
            return row
        }
        return ReadTable(columns: table.columns, rows: rows, numberColumns: table.numberColumns.union([ageColumn]))
    }

    /// The counts with `oldest_age_s`: whole seconds from `oldest_since` to `at`.
    static func withAges(_ table: ReadTable, at: Timestamp) -> ReadTable {
        let rows = zip(table.rows, table.records).map { row, record -> [String?] in
            row + [ageSeconds(since: record["oldest_since"], at: at)]
        }
        return ReadTable(columns: table.columns + ["oldest_age_s"], rows: rows,
                         numberColumns: table.numberColumns.union([table.columns.count]))
    }
}
