import GRDB
import LedgerCore
import LedgerStore

/// Writes the projection tables: `main.projection_*` live, or
/// `temp.rebuild_projection_*` when `ledger rebuild --check` rebuilds beside
/// them to compare.
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
    func upsertJob(_ state: JobState, _ db: Database) throws {
        guard state.isRegistered else { return }
        try db.cachedStatement(sql: sql.upsertJob).execute(arguments: state.rowArguments)
    }

    func add(_ contribution: Contribution, _ db: Database) throws {
        if let account = contribution.account {
            try db.cachedStatement(sql: sql.addAccount).execute(arguments: [
                account.account, account.charged, account.refunded, account.recharged,
            ])
        }
        if let provider = contribution.provider {
            let bySource = provider.terminalBySource
            try db.cachedStatement(sql: sql.addProvider).execute(arguments: [
                provider.provider, provider.webhooks, provider.duplicates, provider.orphans, provider.lateWebhooks,
                provider.conflicts, bySource[.webhook] ?? 0, bySource[.poll] ?? 0, bySource[.watchdog] ?? 0,
                bySource[.manual] ?? 0, bySource[.app] ?? 0, provider.lastWebhookAt?.iso8601,
            ])
            for (word, tally) in provider.unknownStatuses {
                try db.cachedStatement(sql: sql.addUnknownStatus).execute(arguments: [
                    provider.provider, word, tally.count, tally.lastSeenAt.iso8601,
                ])
            }
        }
    }

    func insertOrphan(_ webhook: WebhookReceived, at recorded: RecordedEvent, _ db: Database) throws {
        try db.cachedStatement(sql: sql.insertOrphan).execute(arguments: [
            recorded.position, webhook.provider, webhook.externalID, webhook.deliveryID, webhook.bodySHA256,
            webhook.duplicate ? 1 : 0, recorded.recordedAt.iso8601,
        ])
    }

    /// Marks the orphan at `orphanPosition` adopted. During a rebuild the job
    /// stream can come before the orphan stream, so this inserts a placeholder
    /// row that ``insertOrphan(_:at:_:)`` completes.
    func markAdopted(orphanPosition: Int64, jobID: String, at position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: sql.markAdopted).execute(arguments: [orphanPosition, jobID, position])
    }

    /// Writes a batch's summed changes: one row per account, provider and
    /// unknown status word, then the orphans and their adoptions in order.
    func write(_ delta: ProjectionDelta, _ db: Database) throws {
        for account in delta.accounts.values { try add(Contribution(account: account), db) }
        for provider in delta.providers.values { try add(Contribution(provider: provider), db) }
        for (key, tally) in delta.unknownStatuses {
            try db.cachedStatement(sql: sql.addUnknownStatus).execute(arguments: [
                key.provider, key.rawStatus, tally.count, tally.lastSeenAt.iso8601,
            ])
        }
        for orphan in delta.orphans {
            try db.cachedStatement(sql: sql.insertOrphan).execute(arguments: [
                orphan.position, orphan.provider, orphan.externalID, orphan.deliveryID, orphan.bodySHA256,
                orphan.duplicate ? 1 : 0, orphan.receivedAt.iso8601,
            ])
        }
        for adoption in delta.adoptions {
            try markAdopted(orphanPosition: adoption.orphanPosition, jobID: adoption.jobID, at: adoption.position, db)
        }
        for row in delta.notifications.values { try upsertNotification(row, db) }
        for row in delta.attempts.values { try upsertAttempt(row, db) }
        for settlement in delta.settlements { try settleAttempt(settlement, db) }
        for row in delta.refunds { try upsertRefund(row, db) }
        for row in delta.lateCompletions { try upsertLateCompletion(row, db) }
        for row in delta.conflicts { try upsertConflict(row, db) }
    }

    /// Writes a notification's row; a position the row does not carry keeps the stored one.
    func upsertNotification(_ row: NotificationRow, _ db: Database) throws {
        try db.cachedStatement(sql: sql.upsertNotification).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
    }

    /// Writes a delivery attempt's row.
    func upsertAttempt(_ row: AttemptRow, _ db: Database) throws {
        try db.cachedStatement(sql: sql.upsertAttempt).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
    }

    func upsertRefund(_ row: RefundRow, _ db: Database) throws {
        try db.cachedStatement(sql: sql.upsertRefund).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
    }

    func upsertLateCompletion(_ row: LateCompletionRow, _ db: Database) throws {
        try db.cachedStatement(sql: sql.upsertLateCompletion).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
    }

    func upsertConflict(_ row: ConflictRow, _ db: Database) throws {
        try db.cachedStatement(sql: sql.upsertConflict).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
    }

    /// Sets the outcome of an attempt written earlier.
    func settleAttempt(_ settlement: AttemptRow.Settlement, _ db: Database) throws {
        try db.cachedStatement(sql: sql.settleAttempt).execute(arguments: [settlement.outcome.rawValue, settlement.position,
                                                                            settlement.notificationID])
    }

    func setCheckpoint(_ position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: sql.setCheckpoint).execute(arguments: [position])
    }

    /// Folds `recorded` into the projections; `before` is its job's state before it.
    func project(_ recorded: RecordedEvent, jobBefore before: JobState?, _ db: Database) throws {
        for change in ProjectionChange.of(recorded, jobBefore: before) {
            switch change {
            case .add(let contribution): try add(contribution, db)
            case .insertOrphan(let webhook, let recorded): try insertOrphan(webhook, at: recorded, db)
            case .markAdopted(let orphan, let jobID, let position): try markAdopted(orphanPosition: orphan, jobID: jobID, at: position, db)
            case .notification(let row): try upsertNotification(row, db)
            case .attempt(let row): try upsertAttempt(row, db)
            case .settleAttempt(let settlement): try settleAttempt(settlement, db)
            case .refund(let row): try upsertRefund(row, db)
            case .lateCompletion(let row): try upsertLateCompletion(row, db)
            case .conflict(let row): try upsertConflict(row, db)
            }
        }
    }
}

/// The SQL of ``ProjectionWriter`` for one table prefix.
private struct ProjectionStatements: Sendable {
    let upsertJob: String
    let addAccount: String
    let addProvider: String
    let addUnknownStatus: String
    let insertOrphan: String
    let markAdopted: String
    let upsertNotification: String
    let upsertAttempt: String
    let settleAttempt: String
    let upsertRefund: String
    let upsertLateCompletion: String
    let upsertConflict: String
    let setCheckpoint: String

    init(prefix: String) {
        let names = JobState.columns.joined(separator: ", ")
        let marks = Array(repeating: "?", count: JobState.columns.count).joined(separator: ", ")
        let updates = JobState.columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        upsertJob = "INSERT INTO \(prefix)projection_jobs (\(names)) VALUES (\(marks)) "
            + "ON CONFLICT (job_id) DO UPDATE SET \(updates)"
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
        let table = "\(prefix)projection_notifications"
        upsertNotification = "INSERT INTO \(table) AS n (\(NotificationRow.columns.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: NotificationRow.columns.count).joined(separator: ", ")
            + ") ON CONFLICT (job_id, notification_id) DO UPDATE SET \(NotificationRow.conflictAssignments(table: "n"))"
        let attempts = "\(prefix)projection_notification_attempts"
        func upsert(_ table: String, _ columns: [String]) -> String {
            RowUpsert.sql(table: prefix + table, columns: columns, placeholders: columns.map { _ in "?" })
        }
        upsertAttempt = upsert("projection_notification_attempts", AttemptRow.columns)
        upsertRefund = upsert("projection_refunds", RefundRow.columns)
        upsertLateCompletion = upsert("projection_late_completions", LateCompletionRow.columns)
        upsertConflict = upsert("projection_conflicts", ConflictRow.columns)
        settleAttempt = "UPDATE \(attempts) SET outcome = ? WHERE position = ? AND notification_id = ?"
        setCheckpoint = "UPDATE \(prefix)projection_checkpoint SET position = ? WHERE id = 1"
    }
}
