import GRDB
import LedgerCore
import LedgerStore

/// Writes the projection tables: `main.projection_*` live, or
/// `temp.rebuild_projection_*` when `ledger rebuild --check` rebuilds beside
/// them to compare. A provider's text is written as ``ProjectionText`` shows it.
struct ProjectionWriter: Sendable {
    /// Prepended to every `projection_*` table name.
    let tablePrefix: String
    /// Every statement's text, built once: building it on each call (joins,
    /// interpolation) showed up as the rebuild writer's main cost.
    private let sql: ProjectionStatements

    init(tablePrefix: String) {
        self.tablePrefix = tablePrefix
        sql = ProjectionStatements(prefix: tablePrefix)
    }

    static let live = ProjectionWriter(tablePrefix: "main.")
    static let check = ProjectionWriter(tablePrefix: "temp.rebuild_")

    /// Upserts on `job_id` only. Not `INSERT OR REPLACE`: that would settle a
    /// clash on the external-id index by silently deleting the other job's row.
    ///
    /// Most of a job's changes (a webhook's counts, a poll, its last event
    /// time) leave the columns its indexes cover as they were; an upsert sets
    /// every column, and SQLite rewrites the entry of each index a SET names,
    /// changed or not: about half of the upsert's time. So the row is first
    /// updated on the condition that those columns hold what it would write
    /// (no index entry touched), and upserted only when that changed nothing:
    /// a new job, a status or external id that moved.
    func upsertJob(_ state: JobState, _ db: Database) throws {
        guard state.isRegistered else { return }
        let values = ProjectionText.shown(state.rowValues)
        try db.cachedStatement(sql: sql.updateJobKeepingKeys).execute(values: values)
        guard db.changesCount == 0 else { return }
        try db.cachedStatement(sql: sql.upsertJob).execute(values: values)
    }

    /// Inserts the rows of a rebuild, which writes each job once into emptied
    /// tables (its scan hands over registered jobs only): a plain insert (the
    /// upsert's conflict clause measured as a tenth of the rebuild writer's
    /// time), and a second row for one job fails loudly instead of
    /// overwriting the first.
    func insertJobs(_ jobs: [JobState], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: sql.insertJob)
        for job in jobs { try statement.execute(values: ProjectionText.shown(job.rowValues)) }
    }

    /// Writes a batch's summed changes, a rebuild chunk's or a group
    /// commit's: one row per account, provider and unknown status word, the
    /// orphans and their adoptions in order (an adoption met before its
    /// orphan inserts a placeholder row the orphan's own insert completes),
    /// then the rows of the fold's own tables (``ProjectionRow``).
    func write(_ delta: ProjectionDelta, _ db: Database) throws {
        for account in delta.accounts.values {
            try db.cachedStatement(sql: sql.addAccount).execute(arguments: [
                account.account, account.charged, account.refunded, account.recharged,
            ])
        }
        for provider in delta.providers.values {
            let bySource = provider.terminalBySource
            try db.cachedStatement(sql: sql.addProvider).execute(arguments: [
                provider.provider, provider.webhooks, provider.duplicates, provider.orphans, provider.lateWebhooks,
                provider.conflicts, bySource[.webhook] ?? 0, bySource[.poll] ?? 0, bySource[.watchdog] ?? 0,
                bySource[.manual] ?? 0, bySource[.app] ?? 0, provider.lastWebhookAt?.iso8601,
            ])
        }
        for (key, tally) in delta.unknownStatuses {
            try db.cachedStatement(sql: sql.addUnknownStatus).execute(arguments: [
                key.provider, ProjectionText.shown(key.rawStatus), tally.count, tally.lastSeenAt.iso8601,
            ])
        }
        for orphan in delta.orphans {
            try db.cachedStatement(sql: sql.insertOrphan).execute(arguments: [
                orphan.position, orphan.provider, orphan.externalID, orphan.deliveryID, orphan.bodySHA256,
                orphan.duplicate ? 1 : 0, orphan.receivedAt.iso8601,
            ])
        }
        for adoption in delta.adoptions {
            try db.cachedStatement(sql: sql.markAdopted).execute(arguments: [adoption.orphanPosition, adoption.jobID, adoption.position])
        }
        try upsert(delta.notifications.values, db)
        try upsert(delta.attempts.values, db)
        for settlement in delta.settlements {
            try db.cachedStatement(sql: sql.settleAttempt).execute(arguments: [
                settlement.outcome.rawValue, settlement.position, settlement.notificationID,
            ])
        }
        try upsert(delta.refunds, db)
        try upsert(delta.lateCompletions, db)
        try upsert(delta.conflicts, db)
        try upsert(delta.lateWebhooks, db)
    }

    private func upsert<Row: ProjectionRow>(_ rows: some Sequence<Row>, _ db: Database) throws {
        guard let text = sql.upserts[Row.table] else { preconditionFailure("no upsert for \(Row.table)") }
        let statement = try db.cachedStatement(sql: text)
        for row in rows { try statement.execute(values: ProjectionText.shown(row.rowValues)) }
    }

    func setCheckpoint(_ position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: sql.setCheckpoint).execute(arguments: [position])
    }
}

/// The SQL of ``ProjectionWriter`` for one table prefix.
struct ProjectionStatements: Sendable {
    let upsertJob: String
    /// The job row's update when its indexed columns already hold the values
    /// (`?N` is the row's N-th value, so both statements bind the same row).
    let updateJobKeepingKeys: String
    let insertJob: String
    let addAccount: String
    let addProvider: String
    let addUnknownStatus: String
    let insertOrphan: String
    let markAdopted: String
    /// The upsert of each ``ProjectionRow`` type, by table.
    let upserts: [String: String]
    let settleAttempt: String
    let setCheckpoint: String

    /// The `projection_jobs` columns its indexes cover besides `job_id`
    /// (`projection_jobs_by_external_id`, `_by_status`, `_by_account`). A
    /// column missing here costs speed, not correctness: it is then set by the
    /// update, and its index entry rewritten. A test holds this set to the
    /// indexes SQLite reports for the migrated table.
    static let jobIndexedColumns: Set<String> = ["account", "provider", "external_id", "status"]

    init(prefix: String) {
        let names = JobState.columns.joined(separator: ", ")
        let marks = Array(repeating: "?", count: JobState.columns.count).joined(separator: ", ")
        let numbered = JobState.columns.enumerated().map { (name: $0.element, mark: "?\($0.offset + 1)") }
        precondition(numbered[0].name == "job_id", "a job row starts with its id")
        let id = numbered[0], others = numbered.dropFirst()
        insertJob = "INSERT INTO \(prefix)projection_jobs (\(names)) VALUES (\(marks))"
        upsertJob = insertJob + " ON CONFLICT (\(id.name)) DO UPDATE SET "
            + others.map { "\($0.name) = excluded.\($0.name)" }.joined(separator: ", ")
        let kept = others.filter { !Self.jobIndexedColumns.contains($0.name) }
        let keys = others.filter { Self.jobIndexedColumns.contains($0.name) }
        // `IS`: an external id may be NULL, and NULL must match NULL.
        updateJobKeepingKeys = "UPDATE \(prefix)projection_jobs SET "
            + kept.map { "\($0.name) = \($0.mark)" }.joined(separator: ", ")
            + " WHERE \(id.name) = \(id.mark) AND " + keys.map { "\($0.name) IS \($0.mark)" }.joined(separator: " AND ")
        addAccount = """
            INSERT INTO \(prefix)projection_accounts (account, charged, refunded, recharged) VALUES (?, ?, ?, ?)
            ON CONFLICT (account) DO UPDATE SET charged = charged + excluded.charged,
                refunded = refunded + excluded.refunded, recharged = recharged + excluded.recharged
            """
        addProvider = """
            INSERT INTO \(prefix)projection_provider_health (provider, webhooks, duplicates, orphans, late_webhooks,
                conflicts, terminal_webhook, terminal_poll, terminal_watchdog, terminal_manual, terminal_app,
                last_webhook_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (provider) DO UPDATE SET webhooks = webhooks + excluded.webhooks,
                duplicates = duplicates + excluded.duplicates, orphans = orphans + excluded.orphans,
                late_webhooks = late_webhooks + excluded.late_webhooks, conflicts = conflicts + excluded.conflicts,
                terminal_webhook = terminal_webhook + excluded.terminal_webhook,
                terminal_poll = terminal_poll + excluded.terminal_poll,
                terminal_watchdog = terminal_watchdog + excluded.terminal_watchdog,
                terminal_manual = terminal_manual + excluded.terminal_manual,
                terminal_app = terminal_app + excluded.terminal_app,
                last_webhook_at = coalesce(max(last_webhook_at, excluded.last_webhook_at), last_webhook_at,
                                           excluded.last_webhook_at)
            """
        addUnknownStatus = """
            INSERT INTO \(prefix)projection_unknown_statuses (provider, raw_status, reports, last_seen_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (provider, raw_status) DO UPDATE SET reports = reports + excluded.reports,
                last_seen_at = max(last_seen_at, excluded.last_seen_at)
            """
        insertOrphan = """
            INSERT INTO \(prefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256,
                duplicate, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (position) DO UPDATE SET provider = excluded.provider, external_id = excluded.external_id,
                delivery_id = excluded.delivery_id, body_sha256 = excluded.body_sha256,
                duplicate = excluded.duplicate, received_at = excluded.received_at
            """
        markAdopted = """
            INSERT INTO \(prefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256,
                duplicate, received_at, adopted_job_id, adopted_position) VALUES (?, '', '', '', '', 0, '', ?, ?)
            ON CONFLICT (position) DO UPDATE SET adopted_job_id = excluded.adopted_job_id,
                adopted_position = excluded.adopted_position
            """
        upserts = Dictionary(uniqueKeysWithValues: ProjectionTable.foldRows.map { row in
            let key = row.keyColumns.joined(separator: ", ")
            return (row.table, "INSERT INTO \(prefix)\(row.table) AS stored (\(row.columns.joined(separator: ", "))) VALUES ("
                + row.columns.map { _ in "?" }.joined(separator: ", ")
                + ") ON CONFLICT (\(key)) DO UPDATE SET \(row.assignments(stored: "stored"))")
        })
        settleAttempt = "UPDATE \(prefix)\(AttemptRow.table) SET outcome = ? WHERE position = ? AND notification_id = ?"
        setCheckpoint = "UPDATE \(prefix)projection_checkpoint SET position = ? WHERE id = 1"
    }
}
