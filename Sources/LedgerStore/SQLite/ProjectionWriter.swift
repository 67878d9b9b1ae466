import GRDB
import LedgerCore

/// Writes the projection tables: `main.projection_*` live, or
/// `temp.rebuild_projection_*` when `ledger rebuild --check` rebuilds beside
/// them to compare.
struct ProjectionWriter {
    /// Prepended to every `projection_*` table name.
    let tablePrefix: String

    static let live = ProjectionWriter(tablePrefix: "main.")
    static let check = ProjectionWriter(tablePrefix: "temp.rebuild_")

    /// Upserts on `job_id` only. Not `INSERT OR REPLACE`: that would settle a
    /// clash on the external-id index by silently deleting the other job's row.
    func upsertJob(_ state: JobState, _ db: Database) throws {
        guard state.isRegistered else { return }
        try db.cachedStatement(sql: upsertJobSQL).execute(arguments: state.rowArguments)
    }

    private var upsertJobSQL: String {
        let names = JobState.columns.joined(separator: ", ")
        let marks = Array(repeating: "?", count: JobState.columns.count).joined(separator: ", ")
        let updates = JobState.columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(tablePrefix)projection_jobs (\(names)) VALUES (\(marks)) "
            + "ON CONFLICT (job_id) DO UPDATE SET \(updates)"
    }

    func add(_ contribution: Contribution, _ db: Database) throws {
        if let account = contribution.account { try add(account, db) }
        if let provider = contribution.provider { try add(provider, db) }
    }

    private func add(_ delta: Contribution.Account, _ db: Database) throws {
        let sql = """
            INSERT INTO \(tablePrefix)projection_accounts (account, charged, refunded, recharged) VALUES (?, ?, ?, ?)
            ON CONFLICT (account) DO UPDATE SET charged = charged + excluded.charged,
                refunded = refunded + excluded.refunded, recharged = recharged + excluded.recharged
            """
        try db.cachedStatement(sql: sql).execute(arguments: [delta.account, delta.charged, delta.refunded, delta.recharged])
    }

    private func add(_ delta: Contribution.Provider, _ db: Database) throws {
        let sql = """
            INSERT INTO \(tablePrefix)projection_provider_health (provider, webhooks, duplicates, orphans, late_webhooks,
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
                last_webhook_at = coalesce(max(last_webhook_at, excluded.last_webhook_at), last_webhook_at, excluded.last_webhook_at)
            """
        let bySource = delta.terminalBySource
        try db.cachedStatement(sql: sql).execute(arguments: [
            delta.provider, delta.webhooks, delta.duplicates, delta.orphans, delta.lateWebhooks, delta.conflicts,
            bySource[.webhook] ?? 0, bySource[.poll] ?? 0, bySource[.watchdog] ?? 0, bySource[.manual] ?? 0,
            bySource[.app] ?? 0, delta.lastWebhookAt?.iso8601,
        ])
    }

    func insertOrphan(_ webhook: WebhookReceived, at recorded: RecordedEvent, _ db: Database) throws {
        let sql = """
            INSERT INTO \(tablePrefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256,
                duplicate, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (position) DO UPDATE SET provider = excluded.provider, external_id = excluded.external_id,
                delivery_id = excluded.delivery_id, body_sha256 = excluded.body_sha256,
                duplicate = excluded.duplicate, received_at = excluded.received_at
            """
        try db.cachedStatement(sql: sql).execute(arguments: [
            recorded.position, webhook.provider, webhook.externalID, webhook.deliveryID, webhook.bodySHA256,
            webhook.duplicate ? 1 : 0, recorded.recordedAt.iso8601,
        ])
    }

    /// Marks the orphan at `orphanPosition` adopted. During a rebuild the job
    /// stream can come before the orphan stream, so this inserts a placeholder
    /// row that ``insertOrphan(_:at:_:)`` completes.
    func markAdopted(orphanPosition: Int64, jobID: String, at position: Int64, _ db: Database) throws {
        let sql = """
            INSERT INTO \(tablePrefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256,
                duplicate, received_at, adopted_job_id, adopted_position) VALUES (?, '', '', '', '', 0, '', ?, ?)
            ON CONFLICT (position) DO UPDATE SET adopted_job_id = excluded.adopted_job_id,
                adopted_position = excluded.adopted_position
            """
        try db.cachedStatement(sql: sql).execute(arguments: [orphanPosition, jobID, position])
    }

    func setCheckpoint(_ position: Int64, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE \(tablePrefix)projection_checkpoint SET position = ? WHERE id = 1")
            .execute(arguments: [position])
    }

    /// Folds `recorded` into the projections; `before` is its job's state before it.
    func project(_ recorded: RecordedEvent, jobBefore before: JobState?, _ db: Database) throws {
        if let before {
            try add(Contribution.of(recorded, jobBefore: before), db)
            if case .webhookReceived(let webhook) = recorded.event, let orphan = webhook.adoptedFrom {
                try markAdopted(orphanPosition: orphan, jobID: before.jobID, at: recorded.position, db)
            }
        } else if let provider = StreamName.orphanProvider(of: recorded.stream) {
            try add(Contribution.ofOrphan(recorded, provider: provider), db)
            if case .webhookReceived(let webhook) = recorded.event {
                try insertOrphan(webhook, at: recorded, db)
            }
        }
    }
}
