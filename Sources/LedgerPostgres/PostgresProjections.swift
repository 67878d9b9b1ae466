import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// Writes the projection tables in the append's transaction: the changes
/// ``ProjectionChange`` names (the same on every engine), in PostgreSQL's SQL.
struct PostgresProjections: Sendable {
    let logger: Logger
    /// Prepended to every `projection_*` table: empty for the live tables,
    /// `rebuild_` for the temporary ones `ledger rebuild --check` compares.
    let tablePrefix: String
    private let sql: Statements

    init(logger: Logger, tablePrefix: String = "") {
        self.logger = logger
        self.tablePrefix = tablePrefix
        sql = Statements(prefix: tablePrefix)
    }

    /// Upserts on `job_id` only, so a clash on the external-id index is an
    /// error, never a silent replacement of another job's row.
    func upsertJob(_ state: JobState, on connection: PostgresConnection) async throws {
        guard state.isRegistered else { return }
        try await run(sql.upsertJob, state.rowValues, on: connection, logger: logger)
    }

    func apply(_ changes: [ProjectionChange], on connection: PostgresConnection) async throws {
        for change in changes {
            switch change {
            case .add(let contribution): try await add(contribution, on: connection)
            case .insertOrphan(let webhook, let recorded):
                try await run(sql.insertOrphan, [
                    .integer(recorded.position), .text(webhook.provider), .text(webhook.externalID), .text(webhook.deliveryID),
                    .text(webhook.bodySHA256), .integer(webhook.duplicate ? 1 : 0), .text(recorded.recordedAt.iso8601),
                ], on: connection, logger: logger)
            case .markAdopted(let orphan, let jobID, let position):
                try await run(sql.markAdopted, [.integer(orphan), .text(jobID), .integer(position)], on: connection, logger: logger)
            }
        }
    }

    func setCheckpoint(_ position: Int64, on connection: PostgresConnection) async throws {
        try await run("UPDATE \(tablePrefix)projection_checkpoint SET position = $1 WHERE id = 1", [.integer(position)],
                      on: connection, logger: logger)
    }

    private func add(_ contribution: Contribution, on connection: PostgresConnection) async throws {
        if let account = contribution.account {
            try await run(sql.addAccount, [.text(account.account), .integer(account.charged), .integer(account.refunded),
                                            .integer(account.recharged)], on: connection, logger: logger)
        }
        guard let provider = contribution.provider else { return }
        let bySource = provider.terminalBySource
        try await run(sql.addProvider, [
            .text(provider.provider), .integer(provider.webhooks), .integer(provider.duplicates), .integer(provider.orphans),
            .integer(provider.lateWebhooks), .integer(provider.conflicts), .integer(bySource[.webhook] ?? 0),
            .integer(bySource[.poll] ?? 0), .integer(bySource[.watchdog] ?? 0), .integer(bySource[.manual] ?? 0),
            .integer(bySource[.app] ?? 0), provider.lastWebhookAt.map { .text($0.iso8601) } ?? .null,
        ], on: connection, logger: logger)
        for (word, tally) in provider.unknownStatuses {
            try await run(sql.addUnknownStatus, [.text(provider.provider), .text(word), .integer(tally.count),
                                                  .text(tally.lastSeenAt.iso8601)], on: connection, logger: logger)
        }
    }

    /// The SQL for one table prefix, built once.
    private struct Statements: Sendable {
        let upsertJob: String
        let addAccount: String
        let addProvider: String
        let addUnknownStatus: String
        let insertOrphan: String
        let markAdopted: String

        init(prefix: String) {
            let columns = JobState.columns
            let values = columns.enumerated().map { index, column in
                ["outputs", "late_outputs"].contains(column) ? "$\(index + 1)::json" : "$\(index + 1)"
            }
            let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
            upsertJob = "INSERT INTO \(prefix)projection_jobs (\(columns.joined(separator: ", "))) "
                + "VALUES (\(values.joined(separator: ", "))) ON CONFLICT (job_id) DO UPDATE SET \(updates)"
            addAccount = """
                INSERT INTO \(prefix)projection_accounts AS a (account, charged, refunded, recharged) VALUES ($1, $2, $3, $4)
                ON CONFLICT (account) DO UPDATE SET charged = a.charged + excluded.charged,
                    refunded = a.refunded + excluded.refunded, recharged = a.recharged + excluded.recharged
                """
            addProvider = """
                INSERT INTO \(prefix)projection_provider_health AS h (provider, webhooks, duplicates, orphans, late_webhooks,
                    conflicts, terminal_webhook, terminal_poll, terminal_watchdog, terminal_manual, terminal_app, last_webhook_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                ON CONFLICT (provider) DO UPDATE SET webhooks = h.webhooks + excluded.webhooks,
                    duplicates = h.duplicates + excluded.duplicates, orphans = h.orphans + excluded.orphans,
                    late_webhooks = h.late_webhooks + excluded.late_webhooks, conflicts = h.conflicts + excluded.conflicts,
                    terminal_webhook = h.terminal_webhook + excluded.terminal_webhook,
                    terminal_poll = h.terminal_poll + excluded.terminal_poll,
                    terminal_watchdog = h.terminal_watchdog + excluded.terminal_watchdog,
                    terminal_manual = h.terminal_manual + excluded.terminal_manual,
                    terminal_app = h.terminal_app + excluded.terminal_app,
                    last_webhook_at = greatest(h.last_webhook_at, excluded.last_webhook_at)
                """
            addUnknownStatus = """
                INSERT INTO \(prefix)projection_unknown_statuses AS u (provider, raw_status, reports, last_seen_at)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (provider, raw_status) DO UPDATE SET reports = u.reports + excluded.reports,
                    last_seen_at = greatest(u.last_seen_at, excluded.last_seen_at)
                """
            insertOrphan = """
                INSERT INTO \(prefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate,
                    received_at) VALUES ($1, $2, $3, $4, $5, $6 = 1, $7)
                ON CONFLICT (position) DO UPDATE SET provider = excluded.provider, external_id = excluded.external_id,
                    delivery_id = excluded.delivery_id, body_sha256 = excluded.body_sha256,
                    duplicate = excluded.duplicate, received_at = excluded.received_at
                """
            // During a rebuild the job stream can come before the orphan stream: a
            // placeholder row that the orphan's own insert completes.
            markAdopted = """
                INSERT INTO \(prefix)projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate,
                    received_at, adopted_job_id, adopted_position) VALUES ($1, '', '', '', '', false, '', $2, $3)
                ON CONFLICT (position) DO UPDATE SET adopted_job_id = excluded.adopted_job_id,
                    adopted_position = excluded.adopted_position
                """
        }
    }
}
