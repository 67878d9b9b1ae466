import GRDB
import LedgerStore

/// The database schema, as frozen SQL. A shipped migration is never edited:
/// a change is a new migration appended to ``LedgerMigrations/all``. The SQL
/// names no Swift type, so refactoring code can never change the schema. One
/// deliberate exception: the first `ledger_settings` rows come from
/// ``SettingsSeed`` (the watchdog's defaults, written once), and only a new
/// ledger runs them.
enum LedgerMigrations {
    static let all: [(identifier: String, sql: String)] = [
        ("v1-log", v1Log),
        ("v1-projections", v1Projections),
        ("v1-views", v1Views),
        ("v2-queued-notifications", v2QueuedNotifications),
        ("v3-provider-health-poll-share", v3ProviderHealthPollShare),
        ("v4-readiness-probe", v4ReadinessProbe),
        ("v5-unknown-statuses-output-urls", v5UnknownStatusesOutputURLs),
        ("v6-retention", v6Retention),
        ("v7-merkle-tree", v7MerkleTree),
        ("v8-attempted-notifications", v8AttemptedNotifications),
        ("v9-notifications", v9Notifications),
        ("v10-late-webhooks", v10LateWebhooks),
        ("v11-notifications-view", SharedViews.notifications),
    ]

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in all {
            migrator.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }

    /// The event log. SQLite itself guards it: `STRICT` types, `CHECK`s, one
    /// version per stream, and triggers that refuse UPDATE and DELETE and any
    /// insert that is not the next position chained to the last hash.
    static let v1Log = """
        CREATE TABLE events (
            position        INTEGER PRIMARY KEY,
            stream          TEXT    NOT NULL CHECK (length(stream) BETWEEN 1 AND 300 AND instr(stream, char(10)) = 0),
            version         INTEGER NOT NULL CHECK (version >= 1),
            type            TEXT    NOT NULL CHECK (length(type) BETWEEN 1 AND 100 AND instr(type, char(10)) = 0),
            schema_version  INTEGER NOT NULL CHECK (schema_version >= 1),
            recorded_at     TEXT    NOT NULL CHECK (length(recorded_at) = 24 AND recorded_at LIKE '____-__-__T__:__:__.___Z'),
            data            TEXT    NOT NULL CHECK (json_valid(data)),
            data_sha256     TEXT    NOT NULL CHECK (length(data_sha256) = 64),
            metadata        TEXT    NOT NULL CHECK (json_valid(metadata)),
            idempotency_key TEXT             CHECK (length(idempotency_key) BETWEEN 1 AND 200 AND instr(idempotency_key, char(10)) = 0),
            prev_hash       TEXT    NOT NULL CHECK (length(prev_hash) = 64),
            hash            TEXT    NOT NULL CHECK (length(hash) = 64),
            UNIQUE (stream, version)
        ) STRICT;

        CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX events_by_recorded_at ON events (recorded_at);

        CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE is refused'); END;

        CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events is append-only: DELETE is refused'); END;

        CREATE TRIGGER events_next_position_only BEFORE INSERT ON events
        WHEN NEW.position IS NOT (SELECT coalesce(max(position), 0) + 1 FROM events)
          OR NEW.prev_hash IS NOT coalesce(
                 (SELECT hash FROM events WHERE position = NEW.position - 1),
                 '0000000000000000000000000000000000000000000000000000000000000000')
        BEGIN SELECT RAISE(ABORT, 'events: an insert must take the next position and chain to the last hash'); END;

        -- INSERT OR REPLACE would delete the row it collides with, and SQLite fires
        -- delete triggers for that only when recursive_triggers is on: refuse it here.
        CREATE TRIGGER events_never_replace BEFORE INSERT ON events
        WHEN EXISTS (SELECT 1 FROM events WHERE stream = NEW.stream AND version = NEW.version)
          OR (NEW.idempotency_key IS NOT NULL
              AND EXISTS (SELECT 1 FROM events WHERE idempotency_key = NEW.idempotency_key))
        BEGIN SELECT RAISE(ABORT, 'events: a row with this stream version or idempotency key exists'); END;
        """

    /// Projection tables, written in the same transaction as the events they
    /// fold; `projection_checkpoint` is their tracking record.
    static let v1Projections = """
        CREATE TABLE projection_jobs (
            job_id            TEXT    PRIMARY KEY,
            account           TEXT    NOT NULL,
            provider          TEXT    NOT NULL,
            operation         TEXT    NOT NULL,
            external_id       TEXT,
            status            TEXT    NOT NULL CHECK (status IN ('registered', 'processing', 'completed', 'failed', 'cancelled')),
            provider_status   TEXT,
            outputs           TEXT    NOT NULL CHECK (json_valid(outputs)),
            failure_reason    TEXT,
            completion_source TEXT,
            cost              INTEGER NOT NULL,
            refunded_amount   INTEGER NOT NULL,
            recharged_amount  INTEGER NOT NULL,
            webhook_count     INTEGER NOT NULL,
            duplicate_count   INTEGER NOT NULL,
            poll_count        INTEGER NOT NULL,
            conflict_count    INTEGER NOT NULL,
            registered_at     TEXT,
            submitted_at      TEXT,
            completed_at      TEXT,
            failed_at         TEXT,
            cancelled_at      TEXT,
            late_completed_at TEXT,
            late_outputs      TEXT    CHECK (late_outputs IS NULL OR json_valid(late_outputs)),
            last_event_at     TEXT,
            version           INTEGER NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX projection_jobs_by_external_id ON projection_jobs (provider, external_id)
            WHERE external_id IS NOT NULL;
        CREATE INDEX projection_jobs_by_status ON projection_jobs (status, provider);
        CREATE INDEX projection_jobs_by_account ON projection_jobs (account);

        CREATE TABLE projection_accounts (
            account   TEXT    PRIMARY KEY,
            charged   INTEGER NOT NULL DEFAULT 0,
            refunded  INTEGER NOT NULL DEFAULT 0,
            recharged INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE projection_provider_health (
            provider          TEXT    PRIMARY KEY,
            webhooks          INTEGER NOT NULL DEFAULT 0,
            duplicates        INTEGER NOT NULL DEFAULT 0,
            orphans           INTEGER NOT NULL DEFAULT 0,
            late_webhooks     INTEGER NOT NULL DEFAULT 0,
            conflicts         INTEGER NOT NULL DEFAULT 0,
            terminal_webhook  INTEGER NOT NULL DEFAULT 0,
            terminal_poll     INTEGER NOT NULL DEFAULT 0,
            terminal_watchdog INTEGER NOT NULL DEFAULT 0,
            terminal_manual   INTEGER NOT NULL DEFAULT 0,
            terminal_app      INTEGER NOT NULL DEFAULT 0,
            last_webhook_at   TEXT
        ) STRICT;

        CREATE TABLE projection_orphans (
            position         INTEGER PRIMARY KEY,
            provider         TEXT    NOT NULL,
            external_id      TEXT    NOT NULL,
            delivery_id      TEXT    NOT NULL,
            body_sha256      TEXT    NOT NULL,
            duplicate        INTEGER NOT NULL CHECK (duplicate IN (0, 1)),
            received_at      TEXT    NOT NULL,
            adopted_job_id   TEXT,
            adopted_position INTEGER
        ) STRICT;
        CREATE INDEX projection_orphans_by_external_id ON projection_orphans (provider, external_id);

        CREATE TABLE projection_checkpoint (
            id       INTEGER PRIMARY KEY CHECK (id = 1),
            position INTEGER NOT NULL
        ) STRICT;
        INSERT INTO projection_checkpoint (id, position) VALUES (1, 0);

        CREATE TABLE ledger_settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;
        \(SettingsSeed.sql)
        """

    /// The documented read-only views for auditors (docs/database.md).
    static let v1Views = """
        CREATE VIEW jobs AS
        SELECT job_id, account, provider, operation, external_id, status, provider_status, outputs,
               failure_reason, completion_source, cost, refunded_amount, recharged_amount,
               webhook_count, duplicate_count, poll_count, conflict_count,
               registered_at, submitted_at, completed_at, failed_at, cancelled_at,
               late_completed_at, late_outputs, last_event_at, version
        FROM projection_jobs;

        CREATE VIEW accounts AS
        SELECT account, charged, refunded, recharged, charged - refunded + recharged AS net
        FROM projection_accounts;

        CREATE VIEW orphans AS
        SELECT position, provider, external_id, delivery_id, body_sha256, duplicate = 1 AS duplicate,
               received_at, adopted_job_id, adopted_position
        FROM projection_orphans;

        CREATE VIEW provider_health AS
        WITH latency AS (
            SELECT provider,
                   (julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) * 86400.0 AS seconds,
                   row_number() OVER (PARTITION BY provider
                       ORDER BY julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total
            FROM projection_jobs
            WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
        ),
        percentiles AS (
            SELECT provider,
                   min(CASE WHEN rank >= 0.50 * total THEN seconds END) AS detection_latency_p50_s,
                   min(CASE WHEN rank >= 0.95 * total THEN seconds END) AS detection_latency_p95_s
            FROM latency GROUP BY provider
        )
        SELECT h.provider, h.webhooks, h.duplicates, h.orphans, h.late_webhooks, h.conflicts,
               h.terminal_webhook AS completions_webhook, h.terminal_poll AS completions_poll,
               h.terminal_watchdog AS completions_watchdog, h.terminal_manual AS completions_manual,
               h.terminal_app AS completions_app,
               round(p.detection_latency_p50_s, 3) AS detection_latency_p50_s,
               round(p.detection_latency_p95_s, 3) AS detection_latency_p95_s,
               h.last_webhook_at
        FROM projection_provider_health h LEFT JOIN percentiles p USING (provider);

        CREATE VIEW stuck_jobs AS
        SELECT job_id, account, provider, external_id, status,
               CASE WHEN status = 'registered' THEN 'never submitted' ELSE 'processing past stuck_after' END AS reason,
               CAST((julianday('now') - julianday(coalesce(submitted_at, registered_at))) * 86400 AS INTEGER) AS age_s,
               registered_at, submitted_at, last_event_at
        FROM projection_jobs
        WHERE (status = 'processing'
               AND (julianday('now') - julianday(coalesce(submitted_at, registered_at))) * 86400
                   > (SELECT CAST(value AS INTEGER) FROM ledger_settings WHERE key = 'stuck_after_s'))
           OR (status = 'registered'
               AND (julianday('now') - julianday(registered_at)) * 86400
                   > (SELECT CAST(value AS INTEGER) FROM ledger_settings WHERE key = 'submit_deadline_s'));
        """

    /// The notifier finds queued notifications without scanning the log. A
    /// partial index, so appends of other events (every webhook) do not write
    /// to it (`ledger-bench --webhooks` with a full `(type, position)` index:
    /// 6.3-8.4 k/s against 8.0-9.7 k/s before; this one: 6.9-8.4 k/s, within
    /// this machine's noise).
    static let v2QueuedNotifications = """
        CREATE INDEX events_queued_notifications ON events (position) WHERE type = 'notification.queued';
        """

    /// `provider_health` gains `poll_share`: of the outcomes decided by a
    /// webhook or a poll, the share a poll found first. A silent webhook
    /// outage shows here first (it climbs towards 1).
    static let v3ProviderHealthPollShare = """
        DROP VIEW provider_health;
        CREATE VIEW provider_health AS
        WITH latency AS (
            SELECT provider,
                   (julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) * 86400.0 AS seconds,
                   row_number() OVER (PARTITION BY provider
                       ORDER BY julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total
            FROM projection_jobs
            WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
        ),
        percentiles AS (
            SELECT provider,
                   min(CASE WHEN rank >= 0.50 * total THEN seconds END) AS detection_latency_p50_s,
                   min(CASE WHEN rank >= 0.95 * total THEN seconds END) AS detection_latency_p95_s
            FROM latency GROUP BY provider
        )
        SELECT h.provider, h.webhooks, h.duplicates, h.orphans, h.late_webhooks, h.conflicts,
               h.terminal_webhook AS completions_webhook, h.terminal_poll AS completions_poll,
               h.terminal_watchdog AS completions_watchdog, h.terminal_manual AS completions_manual,
               h.terminal_app AS completions_app,
               round(p.detection_latency_p50_s, 3) AS detection_latency_p50_s,
               round(p.detection_latency_p95_s, 3) AS detection_latency_p95_s,
               h.last_webhook_at,
               round(CAST(h.terminal_poll AS REAL) / nullif(h.terminal_webhook + h.terminal_poll, 0), 3) AS poll_share
        FROM projection_provider_health h LEFT JOIN percentiles p USING (provider);
        """

    /// The readiness probe's row: each probe adds one, so it commits a real
    /// page with its WAL sync. (Rewriting a value unchanged, as the first probe
    /// did, writes nothing: SQLite skips the page, and the probe proved
    /// nothing on a disk whose syncs fail. Found by the EIO fault test.)
    static let v4ReadinessProbe = """
        CREATE TABLE readiness_probe (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            probes INTEGER NOT NULL
        ) STRICT;
        """

    /// Status words a provider's profile does not know, counted per provider
    /// and word (`unknown_statuses`, and a total in `provider_health`); the
    /// `jobs` view gains `output_urls`: every http(s) URL in the outputs, then
    /// in the late outputs, in order, without duplicates. It is the SQL twin of
    /// `JobState.outputURLs` (outputs are stored with keys in byte order, the
    /// order both walk them; a test holds the two to the same lists). The
    /// counts are filled from the log for databases that already have events.
    static let v5UnknownStatusesOutputURLs = """
        CREATE TABLE projection_unknown_statuses (
            provider     TEXT    NOT NULL,
            raw_status   TEXT    NOT NULL,
            reports      INTEGER NOT NULL,
            last_seen_at TEXT    NOT NULL,
            PRIMARY KEY (provider, raw_status)
        ) STRICT;

        """ + v5UnknownStatusesBackfill + """
        CREATE VIEW unknown_statuses AS
        SELECT provider, raw_status, reports, last_seen_at FROM projection_unknown_statuses;

        DROP VIEW provider_health;
        CREATE VIEW provider_health AS
        WITH latency AS (
            SELECT provider,
                   (julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) * 86400.0 AS seconds,
                   row_number() OVER (PARTITION BY provider
                       ORDER BY julianday(coalesce(completed_at, failed_at, cancelled_at)) - julianday(registered_at)) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total
            FROM projection_jobs
            WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
        ),
        percentiles AS (
            SELECT provider,
                   min(CASE WHEN rank >= 0.50 * total THEN seconds END) AS detection_latency_p50_s,
                   min(CASE WHEN rank >= 0.95 * total THEN seconds END) AS detection_latency_p95_s
            FROM latency GROUP BY provider
        ),
        unknown AS (
            SELECT provider, sum(reports) AS unknown_statuses FROM projection_unknown_statuses GROUP BY provider
        )
        SELECT h.provider, h.webhooks, h.duplicates, h.orphans, h.late_webhooks, h.conflicts,
               h.terminal_webhook AS completions_webhook, h.terminal_poll AS completions_poll,
               h.terminal_watchdog AS completions_watchdog, h.terminal_manual AS completions_manual,
               h.terminal_app AS completions_app,
               round(p.detection_latency_p50_s, 3) AS detection_latency_p50_s,
               round(p.detection_latency_p95_s, 3) AS detection_latency_p95_s,
               h.last_webhook_at,
               round(CAST(h.terminal_poll AS REAL) / nullif(h.terminal_webhook + h.terminal_poll, 0), 3) AS poll_share,
               coalesce(u.unknown_statuses, 0) AS unknown_statuses
        FROM projection_provider_health h LEFT JOIN percentiles p USING (provider) LEFT JOIN unknown u USING (provider);

        DROP VIEW jobs;
        CREATE VIEW jobs AS
        SELECT job_id, account, provider, operation, external_id, status, provider_status, outputs,
               (SELECT json_group_array(value) FROM (
                    SELECT value, min(part * 4294967296 + id) AS first FROM (
                        SELECT value, type, 0 AS part, id FROM json_tree(j.outputs)
                        UNION ALL SELECT value, type, 1, id FROM json_tree(coalesce(j.late_outputs, 'null'))
                    ) WHERE type = 'text' AND (value LIKE 'http://%' OR value LIKE 'https://%')
                    GROUP BY value ORDER BY first)) AS output_urls,
               failure_reason, completion_source, cost, refunded_amount, recharged_amount,
               webhook_count, duplicate_count, poll_count, conflict_count,
               registered_at, submitted_at, completed_at, failed_at, cancelled_at,
               late_completed_at, late_outputs, last_event_at, version
        FROM projection_jobs j;
        """

    /// The counts of `projection_unknown_statuses` from the log, for a
    /// database that had events before the table existed: the rule of
    /// `Contribution` (non-duplicate webhooks as they arrived, answered polls)
    /// in SQL. A test holds it to what the live appends write.
    static let v5UnknownStatusesBackfill = """
        INSERT INTO projection_unknown_statuses (provider, raw_status, reports, last_seen_at)
        SELECT json_extract(e.data, '$.provider'), json_extract(e.data, '$.raw_status'), count(*), max(e.recorded_at)
        FROM events e
        WHERE e.type = 'webhook.received' AND json_extract(e.data, '$.reported_status') = 'unknown'
          AND json_extract(e.data, '$.duplicate') = 0 AND json_extract(e.data, '$.adopted_from') IS NULL
        GROUP BY 1, 2;

        INSERT INTO projection_unknown_statuses (provider, raw_status, reports, last_seen_at)
        SELECT j.provider, json_extract(e.data, '$.raw_status'), count(*), max(e.recorded_at)
        FROM events e JOIN projection_jobs j ON e.stream = 'job-' || j.job_id
        WHERE e.type = 'poll.result' AND json_extract(e.data, '$.reported_status') = 'unknown'
          AND json_extract(e.data, '$.transport_error') IS NULL AND json_extract(e.data, '$.raw_status') <> ''
          AND coalesce(json_extract(e.data, '$.http_status') BETWEEN 200 AND 299, 1)
        GROUP BY 1, 2
        ON CONFLICT (provider, raw_status) DO UPDATE SET reports = reports + excluded.reports,
            last_seen_at = max(last_seen_at, excluded.last_seen_at);
        """
}

extension LedgerMigrations {
    /// Retention: the one change the log allows is a `webhook.received`
    /// event's body replaced by the redaction marker, with every other column
    /// and every other member of its data byte for byte the same (the
    /// retention run's chained digest holds the exact text).
    static let v6Retention = """
        DROP TRIGGER events_refuse_update;
        CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
        WHEN NOT coalesce(OLD.type = 'webhook.received'
            AND NEW.position = OLD.position AND NEW.stream = OLD.stream AND NEW.version = OLD.version
            AND NEW.type = OLD.type AND NEW.schema_version = OLD.schema_version AND NEW.recorded_at = OLD.recorded_at
            AND NEW.data_sha256 = OLD.data_sha256 AND NEW.metadata = OLD.metadata
            AND NEW.idempotency_key IS OLD.idempotency_key AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
            AND json_valid(NEW.data) AND json_extract(NEW.data, '$.body') IS '[redacted]'
            AND json_extract(OLD.data, '$.body') IS NOT '[redacted]'
            AND json_remove(NEW.data, '$.body') = json_remove(OLD.data, '$.body'), 0)
        BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE is refused (only the redaction of a webhook body by retention is allowed)'); END;
        """
}

extension LedgerMigrations {
    /// The log's Merkle tree (RFC 9162): the hashes of its complete subtrees
    /// of 16 leaves and more (`level` 4 and up, subtree `idx` covering leaves
    /// idx × 2^level onwards), and the tree size they are complete for.
    /// Derived data, like the projections: the events' chain hashes are the
    /// leaves, and `ledger verify` recomputes it. `tree_checkpoints` keeps
    /// the signed notes `serve` and `ledger checkpoint` wrote, one per size.
    /// `retention_redactions` keeps the digest of each body retention
    /// redacted, so `verify` names a redacted event changed later at its own
    /// position (the run's digest still covers them all).
    /// The deliveries page reads notification attempts newest first.
    static let v8AttemptedNotifications = """
        CREATE INDEX events_attempted_notifications ON events (position) WHERE type = 'notification.attempted';
        """

    /// Each notification's progress as the fold keeps it
    /// (``NotificationRow``): the notifier's outbox, the overdue count and
    /// the dead letters read these rows instead of searching the log for
    /// later events of the same notification. `queued_position` and
    /// `settled_position` are the positions of the events that queued it last
    /// and that delivered or dead-lettered it. And each delivery attempt with
    /// its outcome (``AttemptRow``), which the deliveries page lists; each
    /// refund and late completion with the source of its evidence
    /// (``RefundRow``, ``LateCompletionRow``) and each report contradicting
    /// its job's outcome (``ConflictRow``), which their reports list.
    /// Filled from the log by a rebuild: the migration leaves a row in
    /// `projection_rebuild_pending`, and each open rebuilds every projection
    /// while one is there, deleting it in the rebuild's transaction (so a
    /// crash or an error before the rebuild commits leaves it for the next
    /// open). The two partial indexes on `events` they replace are dropped.
    static let v9Notifications = """
        CREATE TABLE projection_notifications (
            job_id           TEXT    NOT NULL,
            notification_id  TEXT    NOT NULL,
            event            TEXT    NOT NULL,
            stage            TEXT    NOT NULL CHECK (stage IN ('open', 'delivered', 'dead_lettered')),
            attempts         INTEGER NOT NULL CHECK (attempts >= 0),
            queued_at        TEXT    NOT NULL,
            queued_position  INTEGER,
            last_attempt_at  TEXT,
            settled_at       TEXT,
            settled_position INTEGER,
            PRIMARY KEY (job_id, notification_id)
        ) STRICT;
        CREATE INDEX projection_notifications_queued ON projection_notifications (queued_position);
        CREATE INDEX projection_notifications_open ON projection_notifications (queued_position) WHERE stage = 'open';
        CREATE INDEX projection_notifications_dead ON projection_notifications (settled_position) WHERE stage = 'dead_lettered';
        CREATE TABLE projection_notification_attempts (
            position        INTEGER PRIMARY KEY,
            attempted_at    TEXT    NOT NULL,
            job_id          TEXT    NOT NULL,
            notification_id TEXT    NOT NULL,
            event           TEXT    NOT NULL,
            attempt         INTEGER NOT NULL,
            outcome         TEXT    NOT NULL CHECK (outcome IN ('delivered', 'failing', 'dead-lettered')),
            http_status     INTEGER,
            error           TEXT,
            latency_ms      INTEGER
        ) STRICT;
        CREATE TABLE projection_refunds (
            refund_position   INTEGER PRIMARY KEY,
            recorded_at       TEXT    NOT NULL,
            job_id            TEXT    NOT NULL,
            account           TEXT    NOT NULL,
            amount            INTEGER NOT NULL,
            evidence_position INTEGER NOT NULL,
            evidence_source   TEXT
        ) STRICT;
        CREATE INDEX projection_refunds_by_time ON projection_refunds (recorded_at);
        CREATE TABLE projection_late_completions (
            late_position     INTEGER PRIMARY KEY,
            recorded_at       TEXT    NOT NULL,
            job_id            TEXT    NOT NULL,
            policy            TEXT    NOT NULL,
            evidence_position INTEGER NOT NULL,
            evidence_source   TEXT    NOT NULL
        ) STRICT;
        CREATE TABLE projection_conflicts (
            position          INTEGER PRIMARY KEY,
            recorded_at       TEXT    NOT NULL,
            job_id            TEXT    NOT NULL,
            provider          TEXT    NOT NULL,
            report_type       TEXT    NOT NULL,
            reported          TEXT    NOT NULL,
            first_outcome     TEXT    NOT NULL,
            completion_source TEXT
        ) STRICT;
        CREATE TABLE projection_rebuild_pending (
            migration TEXT PRIMARY KEY
        ) STRICT;
        INSERT INTO projection_rebuild_pending (migration) VALUES ('v9-notifications');
        DROP INDEX events_queued_notifications;
        DROP INDEX events_attempted_notifications;
        """

    /// Each webhook that arrived after its job's outcome, with how late it
    /// was (``LateWebhookRow``): the lateness read model ranks these rows
    /// instead of searching the log for each job's outcome. Filled by the
    /// rebuild the pending row asks for, as in v9.
    static let v10LateWebhooks = """
        CREATE TABLE projection_late_webhooks (
            position    INTEGER PRIMARY KEY,
            recorded_at TEXT    NOT NULL,
            job_id      TEXT    NOT NULL,
            provider    TEXT    NOT NULL,
            lateness_ms INTEGER NOT NULL
        ) STRICT;
        INSERT INTO projection_rebuild_pending (migration) VALUES ('v10-late-webhooks');
        """

    static let v7MerkleTree = """
        CREATE TABLE merkle_nodes (
            level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 62),
            idx   INTEGER NOT NULL CHECK (idx >= 0),
            hash  BLOB    NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (level, idx)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE merkle_tree (
            id   INTEGER PRIMARY KEY CHECK (id = 1),
            size INTEGER NOT NULL CHECK (size >= 0)
        ) STRICT;
        INSERT INTO merkle_tree (id, size) VALUES (1, 0);
        CREATE TABLE tree_checkpoints (
            size       INTEGER PRIMARY KEY CHECK (size > 0),
            note       TEXT    NOT NULL,
            created_at TEXT    NOT NULL
        ) STRICT;
        CREATE TABLE retention_redactions (
            position    INTEGER PRIMARY KEY,
            data_sha256 TEXT    NOT NULL CHECK (length(data_sha256) = 64)
        ) STRICT;
        """
}

extension SQLiteEventStore {
    /// The newest migration this build runs: what `ledger --version` names.
    public static var schemaVersion: String { LedgerMigrations.all.last?.identifier ?? "" }
}
