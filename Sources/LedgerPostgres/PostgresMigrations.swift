import LedgerStore

/// The PostgreSQL schema, as frozen SQL: a shipped migration is never
/// edited, a change is a new one appended to ``all`` (the first
/// `ledger_settings` rows, from ``SettingsSeed``, are the one value taken
/// from Swift: the watchdog's defaults, run only by a new ledger). The same tables and
/// meanings as the SQLite schema, in PostgreSQL's words:
///
/// - `data` and `metadata` are `json`, which keeps the text exactly as
///   inserted (`jsonb` would reorder keys and respace it, and the chain would
///   no longer verify); text that is ordered or paged is `COLLATE "C"`, so
///   keyset paging sorts as SQLite's byte order does; times are the same
///   24-character UTC text the chain hashes.
/// - Positions and the chain: `ledger_head` holds the last position and hash
///   in one row. A batch's one statement locks it (`FOR UPDATE`) until its
///   commit, so one batch appends at a time across every node, and a trigger
///   on `events` (per row in v1, per statement since v5) refuses any insert
///   that is not the next positions chained to the head, then moves the head.
///   A sequence could not do this: `nextval` is never rolled back, so aborted
///   transactions would leave gaps.
/// - Immutability: UPDATE, DELETE and TRUNCATE of `events` and any change of
///   `ledger_head` other than the chain trigger's are refused by triggers set
///   `ENABLE ALWAYS`, so `session_replication_role = replica` cannot skip them.
enum PostgresMigrations {
    static let all: [(identifier: String, sql: String)] = [
        ("v1-log", v1Log),
        ("v1-projections", v1Projections),
        ("v2-views", v2Views),
        ("v3-leases", v3Leases),
        ("v4-retention", v4Retention),
        ("v5-batch-append", v5BatchAppend),
        ("v6-merkle-tree", v6MerkleTree),
        ("v7-attempted-notifications", v7AttemptedNotifications),
        ("v8-notifications", v8Notifications),
        ("v9-late-webhooks", v9LateWebhooks),
        ("v10-projections-parsed-once", v10ProjectionsParsedOnce),
        ("v11-jobs-fill-factor", v11JobsFillFactor),
        ("v12-durable-append", v12DurableAppend),
        ("v13-notifications-view", SharedViews.notifications),
    ]

    /// Migrations that add a projection an existing log must fill: after
    /// them the migrator rebuilds every projection from the log, in the same
    /// transaction (``PostgresMigrator``).
    static let rebuildingProjections: Set<String> = ["v8-notifications", "v9-late-webhooks"]

    /// Taken for the whole migration so nodes starting together migrate once.
    static let advisoryLockKey: Int64 = 0x4C45_4447_4552 // "LEDGER"

    static let v1Log = #"""
        CREATE TABLE events (
            position        bigint  PRIMARY KEY CHECK (position >= 1),
            stream          text    COLLATE "C" NOT NULL CHECK (length(stream) BETWEEN 1 AND 300 AND strpos(stream, E'\n') = 0),
            version         bigint  NOT NULL CHECK (version >= 1),
            type            text    COLLATE "C" NOT NULL CHECK (length(type) BETWEEN 1 AND 100 AND strpos(type, E'\n') = 0),
            schema_version  integer NOT NULL CHECK (schema_version >= 1),
            recorded_at     text    COLLATE "C" NOT NULL CHECK (recorded_at ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'),
            data            json    NOT NULL,
            data_sha256     text    NOT NULL CHECK (length(data_sha256) = 64),
            metadata        json    NOT NULL,
            idempotency_key text    COLLATE "C" CHECK (length(idempotency_key) BETWEEN 1 AND 200 AND strpos(idempotency_key, E'\n') = 0),
            prev_hash       text    NOT NULL CHECK (length(prev_hash) = 64),
            hash            text    NOT NULL CHECK (length(hash) = 64),
            UNIQUE (stream, version)
        );
        CREATE UNIQUE INDEX events_by_idempotency_key ON events (idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX events_by_recorded_at ON events (recorded_at);
        CREATE INDEX events_queued_notifications ON events (position) WHERE type = 'notification.queued';

        CREATE TABLE ledger_head (
            id          integer PRIMARY KEY CHECK (id = 0),
            position    bigint  NOT NULL,
            hash        text    NOT NULL,
            recorded_at text    COLLATE "C" NOT NULL
        );
        INSERT INTO ledger_head VALUES (0, 0, repeat('0', 64), '1970-01-01T00:00:00.000Z');

        CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;

        CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
        CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
        ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change;
        ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_truncate;

        -- Each insert must take the next position and chain to the head; it moves the head.
        CREATE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            head ledger_head%ROWTYPE;
        BEGIN
            SELECT * INTO head FROM ledger_head WHERE id = 0 FOR UPDATE;
            IF NEW.position <> head.position + 1 OR NEW.prev_hash <> head.hash THEN
                RAISE EXCEPTION 'events: an insert must take the next position (%) and chain to the last hash', head.position + 1
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            UPDATE ledger_head SET position = NEW.position, hash = NEW.hash, recorded_at = NEW.recorded_at WHERE id = 0;
            RETURN NEW;
        END $$;
        CREATE TRIGGER events_chain BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_chain();
        ALTER TABLE events ENABLE ALWAYS TRIGGER events_chain;

        -- The head moves only from the chain trigger (trigger depth 2: inside events_chain).
        CREATE FUNCTION ledger_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN RETURN NEW; END IF;
            RAISE EXCEPTION 'ledger_head moves only with an append: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;
        CREATE TRIGGER ledger_head_guard BEFORE UPDATE OR DELETE ON ledger_head
            FOR EACH ROW EXECUTE FUNCTION ledger_head_guard();
        CREATE TRIGGER ledger_head_refuse_truncate BEFORE TRUNCATE ON ledger_head
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
        ALTER TABLE ledger_head ENABLE ALWAYS TRIGGER ledger_head_guard;
        ALTER TABLE ledger_head ENABLE ALWAYS TRIGGER ledger_head_refuse_truncate;
        """#

    /// The projection tables, written in the append's transaction.
    static let v1Projections = #"""
        CREATE TABLE projection_jobs (
            job_id            text    COLLATE "C" PRIMARY KEY,
            account           text    COLLATE "C" NOT NULL,
            provider          text    COLLATE "C" NOT NULL,
            operation         text    NOT NULL,
            external_id       text    COLLATE "C",
            status            text    NOT NULL CHECK (status IN ('registered', 'processing', 'completed', 'failed', 'cancelled')),
            provider_status   text,
            outputs           json    NOT NULL,
            failure_reason    text,
            completion_source text,
            cost              bigint  NOT NULL,
            refunded_amount   bigint  NOT NULL,
            recharged_amount  bigint  NOT NULL,
            webhook_count     bigint  NOT NULL,
            duplicate_count   bigint  NOT NULL,
            poll_count        bigint  NOT NULL,
            conflict_count    bigint  NOT NULL,
            registered_at     text    COLLATE "C",
            submitted_at      text    COLLATE "C",
            completed_at      text    COLLATE "C",
            failed_at         text    COLLATE "C",
            cancelled_at      text    COLLATE "C",
            late_completed_at text    COLLATE "C",
            late_outputs      json,
            last_event_at     text    COLLATE "C",
            version           bigint  NOT NULL
        );
        CREATE UNIQUE INDEX projection_jobs_by_external_id ON projection_jobs (provider, external_id)
            WHERE external_id IS NOT NULL;
        CREATE INDEX projection_jobs_by_status ON projection_jobs (status, provider);
        CREATE INDEX projection_jobs_by_account ON projection_jobs (account);

        CREATE TABLE projection_accounts (
            account   text   COLLATE "C" PRIMARY KEY,
            charged   bigint NOT NULL DEFAULT 0,
            refunded  bigint NOT NULL DEFAULT 0,
            recharged bigint NOT NULL DEFAULT 0
        );

        CREATE TABLE projection_provider_health (
            provider          text   COLLATE "C" PRIMARY KEY,
            webhooks          bigint NOT NULL DEFAULT 0,
            duplicates        bigint NOT NULL DEFAULT 0,
            orphans           bigint NOT NULL DEFAULT 0,
            late_webhooks     bigint NOT NULL DEFAULT 0,
            conflicts         bigint NOT NULL DEFAULT 0,
            terminal_webhook  bigint NOT NULL DEFAULT 0,
            terminal_poll     bigint NOT NULL DEFAULT 0,
            terminal_watchdog bigint NOT NULL DEFAULT 0,
            terminal_manual   bigint NOT NULL DEFAULT 0,
            terminal_app      bigint NOT NULL DEFAULT 0,
            last_webhook_at   text   COLLATE "C"
        );

        CREATE TABLE projection_unknown_statuses (
            provider     text   COLLATE "C" NOT NULL,
            raw_status   text   COLLATE "C" NOT NULL,
            reports      bigint NOT NULL,
            last_seen_at text   COLLATE "C" NOT NULL,
            PRIMARY KEY (provider, raw_status)
        );

        CREATE TABLE projection_orphans (
            position         bigint  PRIMARY KEY,
            provider         text    COLLATE "C" NOT NULL,
            external_id      text    COLLATE "C" NOT NULL,
            delivery_id      text    NOT NULL,
            body_sha256      text    NOT NULL,
            duplicate        boolean NOT NULL,
            received_at      text    COLLATE "C" NOT NULL,
            adopted_job_id   text    COLLATE "C",
            adopted_position bigint
        );
        CREATE INDEX projection_orphans_by_external_id ON projection_orphans (provider, external_id);

        CREATE TABLE projection_checkpoint (
            id       integer PRIMARY KEY CHECK (id = 1),
            position bigint  NOT NULL
        );
        INSERT INTO projection_checkpoint (id, position) VALUES (1, 0);

        CREATE TABLE ledger_settings (
            key   text COLLATE "C" PRIMARY KEY,
            value text NOT NULL
        );
        \#(SettingsSeed.sql)
        """#

    /// The read-only views for auditors, as SQLite has them (`jobs` with
    /// `output_urls`, `accounts`, `orphans`, `provider_health`, `stuck_jobs`,
    /// `unknown_statuses`): the same columns in the same order, and values
    /// that read as the same text. Booleans are 0 and 1, counts `bigint`, and
    /// a rounded number is a `double precision` rounded in decimal, which
    /// reads as SQLite's rounded REAL does (`12.0`, `0.333`).
    ///
    /// Durations use `ledger_julianday`, SQLite's `julianday` to the bit (a
    /// time in whole milliseconds divided into days as a double), and the
    /// same double arithmetic after it. Exact arithmetic would not give the
    /// same numbers: a difference of two such day counts is off by up to some
    /// 40 microseconds, so a whole-second age comes out just under about half
    /// the time and SQLite truncates it to one second less.
    static let v2Views = #"""
        -- STABLE as the extract it wraps, so that the planner inlines it.
        CREATE FUNCTION ledger_julianday(t timestamptz) RETURNS double precision
            LANGUAGE sql STABLE STRICT PARALLEL SAFE
            AS $$ SELECT (floor(extract(epoch FROM t) * 1000) + 210866760000000)::double precision / 86400000 $$;

        -- Every http(s) URL among the strings of the outputs, then of the late
        -- outputs, first occurrence only, as a JSON array. Objects are walked
        -- in stored key order (json keeps it: the keys were written in byte
        -- order) and arrays in order, as SQLite's json_tree walks them; the
        -- array is written without spaces, as SQLite's json_group_array is.
        -- A value's path (which document, then its index at each level) sorts
        -- in document order.
        CREATE FUNCTION ledger_output_urls(outputs json, late_outputs json) RETURNS json
            LANGUAGE sql STABLE PARALLEL SAFE
            AS $$
            WITH RECURSIVE walk (value, path) AS (
                SELECT outputs, ARRAY[0::bigint]
                UNION ALL SELECT late_outputs, ARRAY[1::bigint]
                UNION ALL
                SELECT child.value, walk.path || child.n
                FROM walk CROSS JOIN LATERAL (
                    SELECT member.value, member.ordinality
                    FROM json_each(CASE json_typeof(walk.value) WHEN 'object' THEN walk.value END) WITH ORDINALITY AS member
                    UNION ALL
                    SELECT item.value, item.ordinality
                    FROM json_array_elements(CASE json_typeof(walk.value) WHEN 'array' THEN walk.value END) WITH ORDINALITY AS item
                ) AS child (value, n)
            ),
            urls AS (
                SELECT value #>> '{}' AS url, min(path) AS first FROM walk
                WHERE json_typeof(value) = 'string'
                  AND ((value #>> '{}') ILIKE 'http://%' OR (value #>> '{}') ILIKE 'https://%')
                GROUP BY 1
            )
            SELECT coalesce('[' || string_agg(to_json(url)::text, ',' ORDER BY first) || ']', '[]')::json FROM urls
            $$;

        CREATE VIEW jobs AS
        SELECT job_id, account, provider, operation, external_id, status, provider_status, outputs,
               ledger_output_urls(outputs, late_outputs) AS output_urls,
               failure_reason, completion_source, cost, refunded_amount, recharged_amount,
               webhook_count, duplicate_count, poll_count, conflict_count,
               registered_at, submitted_at, completed_at, failed_at, cancelled_at,
               late_completed_at, late_outputs, last_event_at, version
        FROM projection_jobs;

        CREATE VIEW accounts AS
        SELECT account, charged, refunded, recharged, charged - refunded + recharged AS net
        FROM projection_accounts;

        CREATE VIEW orphans AS
        SELECT position, provider, external_id, delivery_id, body_sha256, duplicate::integer AS duplicate,
               received_at, adopted_job_id, adopted_position
        FROM projection_orphans;

        -- The percentiles take the first latency at or past the rank, NULL
        -- first as SQLite sorts it (a terminal job without its time).
        CREATE VIEW provider_health AS
        WITH latency AS (
            SELECT provider,
                   (ledger_julianday(coalesce(completed_at, failed_at, cancelled_at)::timestamptz)
                    - ledger_julianday(registered_at::timestamptz)) * 86400 AS seconds
            FROM projection_jobs
            WHERE status IN ('completed', 'failed', 'cancelled') AND registered_at IS NOT NULL
        ),
        ranked AS (
            SELECT provider, seconds,
                   row_number() OVER (PARTITION BY provider ORDER BY seconds NULLS FIRST) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total
            FROM latency
        ),
        percentiles AS (
            SELECT provider,
                   min(CASE WHEN rank >= 0.50 * total THEN seconds END) AS detection_latency_p50_s,
                   min(CASE WHEN rank >= 0.95 * total THEN seconds END) AS detection_latency_p95_s
            FROM ranked GROUP BY provider
        ),
        unknown AS (
            SELECT provider, sum(reports)::bigint AS unknown_statuses FROM projection_unknown_statuses GROUP BY provider
        )
        SELECT h.provider, h.webhooks, h.duplicates, h.orphans, h.late_webhooks, h.conflicts,
               h.terminal_webhook AS completions_webhook, h.terminal_poll AS completions_poll,
               h.terminal_watchdog AS completions_watchdog, h.terminal_manual AS completions_manual,
               h.terminal_app AS completions_app,
               round(p.detection_latency_p50_s::numeric, 3)::double precision AS detection_latency_p50_s,
               round(p.detection_latency_p95_s::numeric, 3)::double precision AS detection_latency_p95_s,
               h.last_webhook_at,
               round((h.terminal_poll::double precision / nullif(h.terminal_webhook + h.terminal_poll, 0))::numeric, 3)::double precision
                   AS poll_share,
               coalesce(u.unknown_statuses, 0) AS unknown_statuses
        FROM projection_provider_health h LEFT JOIN percentiles p USING (provider) LEFT JOIN unknown u USING (provider);

        -- Ages are judged at the transaction's time, to the millisecond as SQLite's 'now'.
        CREATE VIEW stuck_jobs AS
        SELECT job_id, account, provider, external_id, status,
               CASE WHEN status = 'registered' THEN 'never submitted' ELSE 'processing past stuck_after' END AS reason,
               trunc((ledger_julianday(now()) - ledger_julianday(coalesce(submitted_at, registered_at)::timestamptz)) * 86400)::bigint
                   AS age_s,
               registered_at, submitted_at, last_event_at
        FROM projection_jobs
        WHERE (status = 'processing'
               AND (ledger_julianday(now()) - ledger_julianday(coalesce(submitted_at, registered_at)::timestamptz)) * 86400
                   > (SELECT value::bigint FROM ledger_settings WHERE key = 'stuck_after_s'))
           OR (status = 'registered'
               AND (ledger_julianday(now()) - ledger_julianday(registered_at::timestamptz)) * 86400
                   > (SELECT value::bigint FROM ledger_settings WHERE key = 'submit_deadline_s'));

        CREATE VIEW unknown_statuses AS
        SELECT provider, raw_status, reports, last_seen_at FROM projection_unknown_statuses;
        """#

    /// One row per background service: who runs it, until when (the
    /// database's clock, so node clocks do not matter), and the epoch that
    /// grows each time it changes hands.
    /// Retention: the one change the log allows is a `webhook.received`
    /// event's body replaced by the redaction marker, every other column and
    /// every other member of its data the same (compared as jsonb; the
    /// retention run's chained digest holds the exact text).
    static let v4Retention = #"""
        CREATE FUNCTION events_refuse_change_but_redaction() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.type = 'webhook.received'
               AND (NEW.position, NEW.stream, NEW.version, NEW.type, NEW.schema_version, NEW.recorded_at,
                    NEW.data_sha256, NEW.metadata::text, NEW.idempotency_key, NEW.prev_hash, NEW.hash)
                   IS NOT DISTINCT FROM
                   (OLD.position, OLD.stream, OLD.version, OLD.type, OLD.schema_version, OLD.recorded_at,
                    OLD.data_sha256, OLD.metadata::text, OLD.idempotency_key, OLD.prev_hash, OLD.hash)
               AND NEW.data::jsonb ->> 'body' = '[redacted]'
               AND (OLD.data::jsonb ->> 'body') IS DISTINCT FROM '[redacted]'
               AND (NEW.data::jsonb - 'body') = (OLD.data::jsonb - 'body') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'events is append-only: % is refused (only the redaction of a webhook body by retention is allowed)',
                TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$;
        DROP TRIGGER events_refuse_change ON events;
        CREATE TRIGGER events_refuse_change BEFORE UPDATE OR DELETE ON events
            FOR EACH ROW EXECUTE FUNCTION events_refuse_change_but_redaction();
        ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change;
        """#

    static let v3Leases = #"""
        CREATE TABLE ledger_leases (
            name       text        COLLATE "C" PRIMARY KEY,
            holder     text        NOT NULL,
            epoch      bigint      NOT NULL CHECK (epoch >= 1),
            expires_at timestamptz NOT NULL
        );
        """#

    /// The write path shaped per batch: a node decides a whole group commit
    /// before any lock, then one autocommit statement, `ledger_append_batch`,
    /// takes the chain lock, checks the head is the one the batch was decided
    /// against, inserts the events from arrays, writes each projection row
    /// once, moves the checkpoint, notifies and commits. No client round trip
    /// happens while `ledger_head` is locked. When another node moved the head
    /// first, nothing is written and the answer carries the head and the events
    /// since (a node brings its cache forward with them). `ledger_lock_head`
    /// answers the same inside a transaction that keeps the lock, for nodes
    /// that keep colliding. `ledger_write_projections` is the one text of the
    /// projection writes, used by appends and rebuilds alike (a rebuild check
    /// points it at temporary tables of the same names through `search_path`).
    static let v5BatchAppend = #"""
        CREATE TYPE ledger_batch_answer AS (
            outcome         text,
            "position"      bigint,
            stream          text,
            version         bigint,
            type            text,
            schema_version  integer,
            recorded_at     text,
            data            text,
            data_sha256     text,
            metadata        text,
            idempotency_key text,
            prev_hash       text,
            hash            text,
            lock_waited_us  bigint,
            lock_held_us    bigint
        );

        -- The chain check once per statement instead of once per row: the inserted rows, in
        -- position order, must take the next positions and chain to the head and to each other;
        -- the head moves once, to the last. A batch's insert locks and moves the head one time,
        -- where the row trigger wrote a new head row version per event.
        CREATE FUNCTION events_chain_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            head ledger_head%ROWTYPE;
            broken bigint;
            last_row record;
        BEGIN
            SELECT * INTO head FROM ledger_head WHERE id = 0 FOR UPDATE;
            SELECT min(r.position) INTO broken FROM (
                SELECT a.position, a.prev_hash, lag(a.position) OVER w AS previous_position,
                       lag(a.hash) OVER w AS previous_hash, row_number() OVER w AS n
                FROM added a WINDOW w AS (ORDER BY a.position)) r
            WHERE (r.n = 1 AND (r.position <> head.position + 1 OR r.prev_hash <> head.hash))
               OR (r.n > 1 AND (r.position <> r.previous_position + 1 OR r.prev_hash <> r.previous_hash));
            IF broken IS NOT NULL THEN
                RAISE EXCEPTION 'events: an insert must take the next position (%) and chain to the last hash', head.position + 1
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            SELECT a.position, a.hash, a.recorded_at INTO last_row FROM added a ORDER BY a.position DESC LIMIT 1;
            IF FOUND THEN
                UPDATE ledger_head SET position = last_row.position, hash = last_row.hash, recorded_at = last_row.recorded_at
                WHERE id = 0;
            END IF;
            RETURN NULL;
        END $$;
        DROP TRIGGER events_chain ON events;
        CREATE TRIGGER events_chain AFTER INSERT ON events REFERENCING NEW TABLE AS added
            FOR EACH STATEMENT EXECUTE FUNCTION events_chain_rows();
        ALTER TABLE events ENABLE ALWAYS TRIGGER events_chain;

        -- The head (outcome 'moved'), then up to 5001 events after the known position (outcome 'event').
        CREATE FUNCTION ledger_moved_since(p_known_position bigint, p_head ledger_head) RETURNS SETOF ledger_batch_answer
            LANGUAGE plpgsql STABLE AS $$
        BEGIN
            RETURN QUERY SELECT 'moved'::text, p_head.position, NULL::text, NULL::bigint, NULL::text, NULL::integer,
                p_head.recorded_at, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, p_head.hash,
                NULL::bigint, NULL::bigint;
            RETURN QUERY SELECT 'event'::text, e.position, e.stream, e.version, e.type, e.schema_version, e.recorded_at,
                e.data::text, e.data_sha256, e.metadata::text, e.idempotency_key, e.prev_hash, e.hash, NULL::bigint, NULL::bigint
            FROM events e WHERE e.position > p_known_position AND e.position <= p_head.position
            ORDER BY e.position LIMIT 5001;
        END $$;

        -- Takes the chain lock for the calling transaction and answers the head ('head') when it is
        -- the known one, or what moved it.
        CREATE FUNCTION ledger_lock_head(p_known_position bigint, p_known_hash text) RETURNS SETOF ledger_batch_answer
            LANGUAGE plpgsql SET lock_timeout = '5s' AS $$
        DECLARE
            head ledger_head%ROWTYPE;
        BEGIN
            SELECT * INTO head FROM ledger_head WHERE id = 0 FOR UPDATE;
            IF head.position = p_known_position AND head.hash = p_known_hash THEN
                RETURN QUERY SELECT 'head'::text, head.position, NULL::text, NULL::bigint, NULL::text, NULL::integer,
                    head.recorded_at, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, head.hash,
                    NULL::bigint, NULL::bigint;
            ELSE
                RETURN QUERY SELECT * FROM ledger_moved_since(p_known_position, head);
            END IF;
        END $$;

        -- Job rows (each job once per call) and the summed projection changes, as JSON arrays of rows.
        CREATE FUNCTION ledger_write_projections(p_jobs text, p_projections text) RETURNS void
            LANGUAGE plpgsql AS $$
        DECLARE
            changes json := p_projections::json;
        BEGIN
            INSERT INTO projection_jobs (job_id, account, provider, operation, external_id, status, provider_status, outputs,
                failure_reason, completion_source, cost, refunded_amount, recharged_amount, webhook_count, duplicate_count,
                poll_count, conflict_count, registered_at, submitted_at, completed_at, failed_at, cancelled_at,
                late_completed_at, late_outputs, last_event_at, version)
            SELECT j.job_id, j.account, j.provider, j.operation, j.external_id, j.status, j.provider_status, j.outputs::json,
                j.failure_reason, j.completion_source, j.cost, j.refunded_amount, j.recharged_amount, j.webhook_count,
                j.duplicate_count, j.poll_count, j.conflict_count, j.registered_at, j.submitted_at, j.completed_at,
                j.failed_at, j.cancelled_at, j.late_completed_at, j.late_outputs::json, j.last_event_at, j.version
            FROM json_to_recordset(p_jobs::json) AS j(job_id text, account text, provider text, operation text,
                external_id text, status text, provider_status text, outputs text, failure_reason text,
                completion_source text, cost bigint, refunded_amount bigint, recharged_amount bigint, webhook_count bigint,
                duplicate_count bigint, poll_count bigint, conflict_count bigint, registered_at text, submitted_at text,
                completed_at text, failed_at text, cancelled_at text, late_completed_at text, late_outputs text,
                last_event_at text, version bigint)
            ON CONFLICT (job_id) DO UPDATE SET account = excluded.account, provider = excluded.provider,
                operation = excluded.operation, external_id = excluded.external_id, status = excluded.status,
                provider_status = excluded.provider_status, outputs = excluded.outputs,
                failure_reason = excluded.failure_reason, completion_source = excluded.completion_source,
                cost = excluded.cost, refunded_amount = excluded.refunded_amount,
                recharged_amount = excluded.recharged_amount, webhook_count = excluded.webhook_count,
                duplicate_count = excluded.duplicate_count, poll_count = excluded.poll_count,
                conflict_count = excluded.conflict_count, registered_at = excluded.registered_at,
                submitted_at = excluded.submitted_at, completed_at = excluded.completed_at, failed_at = excluded.failed_at,
                cancelled_at = excluded.cancelled_at, late_completed_at = excluded.late_completed_at,
                late_outputs = excluded.late_outputs, last_event_at = excluded.last_event_at, version = excluded.version;

            IF json_array_length(changes -> 'accounts') > 0 THEN
                INSERT INTO projection_accounts AS a (account, charged, refunded, recharged)
                SELECT x.account, x.charged, x.refunded, x.recharged
                FROM json_to_recordset(changes -> 'accounts') AS x(account text, charged bigint, refunded bigint, recharged bigint)
                ON CONFLICT (account) DO UPDATE SET charged = a.charged + excluded.charged,
                    refunded = a.refunded + excluded.refunded, recharged = a.recharged + excluded.recharged;
            END IF;

            IF json_array_length(changes -> 'providers') > 0 THEN
                INSERT INTO projection_provider_health AS h (provider, webhooks, duplicates, orphans, late_webhooks, conflicts,
                    terminal_webhook, terminal_poll, terminal_watchdog, terminal_manual, terminal_app, last_webhook_at)
                SELECT x.provider, x.webhooks, x.duplicates, x.orphans, x.late_webhooks, x.conflicts, x.terminal_webhook,
                    x.terminal_poll, x.terminal_watchdog, x.terminal_manual, x.terminal_app, x.last_webhook_at
                FROM json_to_recordset(changes -> 'providers') AS x(provider text, webhooks bigint, duplicates bigint,
                    orphans bigint, late_webhooks bigint, conflicts bigint, terminal_webhook bigint, terminal_poll bigint,
                    terminal_watchdog bigint, terminal_manual bigint, terminal_app bigint, last_webhook_at text)
                ON CONFLICT (provider) DO UPDATE SET webhooks = h.webhooks + excluded.webhooks,
                    duplicates = h.duplicates + excluded.duplicates, orphans = h.orphans + excluded.orphans,
                    late_webhooks = h.late_webhooks + excluded.late_webhooks, conflicts = h.conflicts + excluded.conflicts,
                    terminal_webhook = h.terminal_webhook + excluded.terminal_webhook,
                    terminal_poll = h.terminal_poll + excluded.terminal_poll,
                    terminal_watchdog = h.terminal_watchdog + excluded.terminal_watchdog,
                    terminal_manual = h.terminal_manual + excluded.terminal_manual,
                    terminal_app = h.terminal_app + excluded.terminal_app,
                    last_webhook_at = greatest(h.last_webhook_at, excluded.last_webhook_at);
            END IF;

            IF json_array_length(changes -> 'unknown_statuses') > 0 THEN
                INSERT INTO projection_unknown_statuses AS u (provider, raw_status, reports, last_seen_at)
                SELECT x.provider, x.raw_status, x.reports, x.last_seen_at
                FROM json_to_recordset(changes -> 'unknown_statuses')
                    AS x(provider text, raw_status text, reports bigint, last_seen_at text)
                ON CONFLICT (provider, raw_status) DO UPDATE SET reports = u.reports + excluded.reports,
                    last_seen_at = greatest(u.last_seen_at, excluded.last_seen_at);
            END IF;

            IF json_array_length(changes -> 'orphans') > 0 THEN
                INSERT INTO projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate, received_at)
                SELECT x.position, x.provider, x.external_id, x.delivery_id, x.body_sha256, x.duplicate, x.received_at
                FROM json_to_recordset(changes -> 'orphans') AS x("position" bigint, provider text, external_id text,
                    delivery_id text, body_sha256 text, duplicate boolean, received_at text)
                ON CONFLICT (position) DO UPDATE SET provider = excluded.provider, external_id = excluded.external_id,
                    delivery_id = excluded.delivery_id, body_sha256 = excluded.body_sha256,
                    duplicate = excluded.duplicate, received_at = excluded.received_at;
            END IF;

            -- A rebuild can meet a job stream before the orphan stream it adopted from: a
            -- placeholder row that the orphan's own insert completes.
            IF json_array_length(changes -> 'adoptions') > 0 THEN
                INSERT INTO projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate,
                    received_at, adopted_job_id, adopted_position)
                SELECT x.position, '', '', '', '', false, '', x.adopted_job_id, x.adopted_position
                FROM json_to_recordset(changes -> 'adoptions')
                    AS x("position" bigint, adopted_job_id text, adopted_position bigint)
                ON CONFLICT (position) DO UPDATE SET adopted_job_id = excluded.adopted_job_id,
                    adopted_position = excluded.adopted_position;
            END IF;
        END $$;

        -- A moved batch's times raised to `p_raised`: its jobs' last event, its providers' last
        -- webhook and its unknown status words' last report, where earlier.
        CREATE FUNCTION ledger_raise_times(p_raised text, p_jobs text, p_projections text) RETURNS void
            LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE projection_jobs SET last_event_at = p_raised
            WHERE job_id IN (SELECT j.job_id FROM json_to_recordset(p_jobs::json) AS j(job_id text))
              AND last_event_at COLLATE "C" < p_raised;
            UPDATE projection_provider_health SET last_webhook_at = p_raised
            WHERE provider IN (SELECT x.provider FROM json_to_recordset(p_projections::json -> 'providers')
                                   AS x(provider text, last_webhook_at text) WHERE x.last_webhook_at IS NOT NULL)
              AND last_webhook_at COLLATE "C" < p_raised;
            UPDATE projection_unknown_statuses u SET last_seen_at = p_raised
            FROM json_to_recordset(p_projections::json -> 'unknown_statuses') AS x(provider text, raw_status text)
            WHERE u.provider = x.provider AND u.raw_status = x.raw_status AND u.last_seen_at COLLATE "C" < p_raised;
        END $$;

        -- One group commit. Empty idempotency keys stand for none (a key is never empty);
        -- an empty fence name for no background round. When the head moved since the
        -- batch was decided, the batch is placed after the events that moved it only if
        -- the node allowed it (p_rebase: no event of it names a position) and none of those
        -- events touched a stream it read, or, when it relied on something being absent,
        -- registered, submitted or kept an orphan; its positions then move and its hashes
        -- are recomputed here, as the node computes them (ChainHasher). Times earlier than
        -- the head's are raised to it when the node allowed that (p_time_flexible: the only
        -- times its projections keep are last-event and last-webhook times, raised with
        -- them). Otherwise nothing is written and the answer is the head and the events since.
        CREATE FUNCTION ledger_append_batch(
            p_expected_position bigint, p_expected_hash text,
            p_fence_name text, p_fence_holder text, p_fence_epoch bigint,
            p_rebase boolean, p_read_streams text[], p_reads_absent boolean, p_time_flexible boolean,
            e_position bigint[], e_stream text[], e_version bigint[], e_type text[], e_schema_version bigint[],
            e_recorded_at text[], e_data text[], e_data_sha256 text[], e_metadata text[], e_metadata_sha256 text[],
            e_idempotency_key text[], e_prev_hash text[], e_hash text[],
            p_jobs text, p_projections text, p_notify text)
            RETURNS SETOF ledger_batch_answer LANGUAGE plpgsql SET lock_timeout = '5s' AS $$
        DECLARE
            head ledger_head%ROWTYPE;
            entered timestamptz := clock_timestamp();
            locked timestamptz;
            shift bigint := 0;
            raised text;
            previous text;
            last_position bigint;
            i integer;
        BEGIN
            SELECT * INTO head FROM ledger_head WHERE id = 0 FOR UPDATE;
            locked := clock_timestamp();
            IF head.position <> p_expected_position OR head.hash <> p_expected_hash THEN
                IF EXISTS (SELECT 1 FROM unnest(e_recorded_at) AS r(at) WHERE r.at COLLATE "C" < head.recorded_at) THEN
                    raised := head.recorded_at;
                END IF;
                IF NOT p_rebase OR head.position < p_expected_position
                   OR (SELECT e.prev_hash FROM events e WHERE e.position = p_expected_position + 1) IS DISTINCT FROM p_expected_hash
                   OR (raised IS NOT NULL AND NOT p_time_flexible)
                   OR EXISTS (SELECT 1 FROM events e WHERE e.position > p_expected_position AND e.position <= head.position
                              AND (e.stream = ANY(p_read_streams)
                                   OR (p_reads_absent AND (e.type IN ('job.registered', 'job.submitted')
                                                           OR e.stream LIKE 'orphans-%')))) THEN
                    RETURN QUERY SELECT * FROM ledger_moved_since(p_expected_position, head);
                    RETURN;
                END IF;
                shift := head.position - p_expected_position;
                previous := head.hash;
                FOR i IN 1 .. coalesce(cardinality(e_position), 0) LOOP
                    e_position[i] := e_position[i] + shift;
                    IF e_recorded_at[i] COLLATE "C" < raised THEN
                        e_recorded_at[i] := raised;
                    END IF;
                    e_prev_hash[i] := previous;
                    e_hash[i] := encode(sha256(convert_to(previous || E'\n' || e_position[i] || E'\n' || e_stream[i] || E'\n'
                        || e_version[i] || E'\n' || e_type[i] || E'\n' || e_schema_version[i] || E'\n' || e_recorded_at[i]
                        || E'\n' || e_data_sha256[i] || E'\n' || e_metadata_sha256[i] || E'\n' || e_idempotency_key[i] || E'\n',
                        'UTF8')), 'hex');
                    previous := e_hash[i];
                END LOOP;
            END IF;
            IF p_fence_name <> '' THEN
                PERFORM 1 FROM ledger_leases WHERE name = p_fence_name AND holder = p_fence_holder
                    AND epoch = p_fence_epoch AND expires_at >= clock_timestamp() FOR SHARE;
                IF NOT FOUND THEN
                    RETURN QUERY SELECT 'fence_lost'::text, head.position, NULL::text, NULL::bigint, NULL::text,
                        NULL::integer, head.recorded_at, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                        head.hash, NULL::bigint, NULL::bigint;
                    RETURN;
                END IF;
            END IF;
            INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256, metadata,
                                idempotency_key, prev_hash, hash)
            SELECT t.p, t.s, t.v, t.ty, t.sv, t.at, t.d::json, t.ds, t.m::json, nullif(t.k, ''), t.ph, t.h
            FROM unnest(e_position, e_stream, e_version, e_type, e_schema_version, e_recorded_at, e_data, e_data_sha256,
                        e_metadata, e_idempotency_key, e_prev_hash, e_hash)
                AS t(p, s, v, ty, sv, at, d, ds, m, k, ph, h)
            ORDER BY t.p;
            PERFORM ledger_write_projections(p_jobs, p_projections);
            IF raised IS NOT NULL THEN
                PERFORM ledger_raise_times(raised, p_jobs, p_projections);
            END IF;
            last_position := e_position[cardinality(e_position)];
            IF last_position IS NOT NULL THEN
                UPDATE projection_checkpoint SET position = last_position WHERE id = 1;
            END IF;
            IF p_notify <> '' THEN
                PERFORM pg_notify('ledger_changes', p_notify);
            END IF;
            RETURN QUERY SELECT CASE WHEN shift = 0 THEN 'committed' ELSE 'rebased' END::text,
                coalesce(last_position, head.position), NULL::text, NULL::bigint,
                NULL::text, NULL::integer, raised, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text,
                coalesce(e_hash[cardinality(e_hash)], head.hash),
                (extract(epoch FROM locked - entered) * 1000000)::bigint,
                (extract(epoch FROM clock_timestamp() - locked) * 1000000)::bigint;
            -- What the batch was placed after, for the node's cache.
            IF shift <> 0 THEN
                RETURN QUERY SELECT * FROM ledger_moved_since(p_expected_position, head);
            END IF;
        END $$;
        """#

    /// The log's Merkle tree (RFC 9162), as SQLite keeps it: the hashes of
    /// its complete subtrees of 16 leaves and more, and the size they are
    /// complete for. Derived data: the chain hashes are the leaves. And the
    /// signed checkpoint notes written, one per tree size; the digest of each
    /// body retention redacted (so verify names a later change at its position).
    /// The deliveries page reads notification attempts newest first.
    static let v7AttemptedNotifications = #"""
        CREATE INDEX events_attempted_notifications ON events (position) WHERE type = 'notification.attempted';
        """#

    /// Each notification's progress as the fold keeps it, and each delivery
    /// attempt with its outcome, as SQLite's `projection_notifications` and
    /// `projection_notification_attempts` (its v9): the outbox, the overdue
    /// count, the dead letters and the deliveries page read these rows; and
    /// `projection_refunds`, `projection_late_completions` and
    /// `projection_conflicts`, their reports'. Live appends write them through
    /// `ledger_write_projections`, which now does what v5's did (kept under
    /// its old name) and then upserts the batch's notification rows.
    static let v8Notifications = #"""
        CREATE TABLE projection_notifications (
            job_id           text    COLLATE "C" NOT NULL,
            notification_id  text    COLLATE "C" NOT NULL,
            event            text    NOT NULL,
            stage            text    NOT NULL CHECK (stage IN ('open', 'delivered', 'dead_lettered')),
            attempts         bigint  NOT NULL CHECK (attempts >= 0),
            queued_at        text    COLLATE "C" NOT NULL,
            queued_position  bigint,
            last_attempt_at  text    COLLATE "C",
            settled_at       text    COLLATE "C",
            settled_position bigint,
            PRIMARY KEY (job_id, notification_id)
        );
        CREATE INDEX projection_notifications_queued ON projection_notifications (queued_position);
        CREATE INDEX projection_notifications_open ON projection_notifications (queued_position) WHERE stage = 'open';
        CREATE INDEX projection_notifications_dead ON projection_notifications (settled_position) WHERE stage = 'dead_lettered';
        CREATE TABLE projection_notification_attempts (
            position        bigint  PRIMARY KEY,
            attempted_at    text    COLLATE "C" NOT NULL,
            job_id          text    COLLATE "C" NOT NULL,
            notification_id text    COLLATE "C" NOT NULL,
            event           text    NOT NULL,
            attempt         bigint  NOT NULL,
            outcome         text    NOT NULL CHECK (outcome IN ('delivered', 'failing', 'dead-lettered')),
            http_status     bigint,
            error           text,
            latency_ms      bigint
        );
        CREATE TABLE projection_refunds (
            refund_position   bigint  PRIMARY KEY,
            recorded_at       text    COLLATE "C" NOT NULL,
            job_id            text    COLLATE "C" NOT NULL,
            account           text    COLLATE "C" NOT NULL,
            amount            bigint  NOT NULL,
            evidence_position bigint  NOT NULL,
            evidence_source   text
        );
        CREATE INDEX projection_refunds_by_time ON projection_refunds (recorded_at);
        CREATE TABLE projection_late_completions (
            late_position     bigint  PRIMARY KEY,
            recorded_at       text    COLLATE "C" NOT NULL,
            job_id            text    COLLATE "C" NOT NULL,
            policy            text    NOT NULL,
            evidence_position bigint  NOT NULL,
            evidence_source   text    NOT NULL
        );
        CREATE TABLE projection_conflicts (
            position          bigint  PRIMARY KEY,
            recorded_at       text    COLLATE "C" NOT NULL,
            job_id            text    COLLATE "C" NOT NULL,
            provider          text    COLLATE "C" NOT NULL,
            report_type       text    NOT NULL,
            reported          text    NOT NULL,
            first_outcome     text    NOT NULL,
            completion_source text
        );
        DROP INDEX events_queued_notifications;
        DROP INDEX events_attempted_notifications;
        ALTER FUNCTION ledger_write_projections(text, text) RENAME TO ledger_write_projections_v5;
        CREATE FUNCTION ledger_write_projections(p_jobs text, p_projections text) RETURNS void
            LANGUAGE plpgsql AS $$
        DECLARE
            rows json := p_projections::json -> 'notifications';
            attempts json := p_projections::json -> 'attempts';
            settlements json := p_projections::json -> 'settlements';
            refunds json := p_projections::json -> 'refunds';
            late json := p_projections::json -> 'late_completions';
            conflicts json := p_projections::json -> 'conflicts';
        BEGIN
            PERFORM ledger_write_projections_v5(p_jobs, p_projections);
            IF attempts IS NOT NULL AND json_array_length(attempts) > 0 THEN
                INSERT INTO projection_notification_attempts AS a (position, attempted_at, job_id, notification_id, event,
                    attempt, outcome, http_status, error, latency_ms)
                SELECT x.position, x.attempted_at, x.job_id, x.notification_id, x.event, x.attempt, x.outcome, x.http_status,
                    x.error, x.latency_ms
                FROM json_to_recordset(attempts) AS x("position" bigint, attempted_at text, job_id text, notification_id text,
                    event text, attempt bigint, outcome text, http_status bigint, error text, latency_ms bigint)
                ON CONFLICT (position) DO UPDATE SET attempted_at = excluded.attempted_at, job_id = excluded.job_id,
                    notification_id = excluded.notification_id, event = excluded.event, attempt = excluded.attempt,
                    outcome = excluded.outcome, http_status = excluded.http_status, error = excluded.error,
                    latency_ms = excluded.latency_ms;
            END IF;
            IF settlements IS NOT NULL AND json_array_length(settlements) > 0 THEN
                UPDATE projection_notification_attempts a SET outcome = x.outcome
                FROM json_to_recordset(settlements) AS x("position" bigint, notification_id text, outcome text)
                WHERE a.position = x.position AND a.notification_id = x.notification_id;
            END IF;
            IF refunds IS NOT NULL AND json_array_length(refunds) > 0 THEN
                INSERT INTO projection_refunds (refund_position, recorded_at, job_id, account, amount, evidence_position,
                    evidence_source)
                SELECT x.refund_position, x.recorded_at, x.job_id, x.account, x.amount, x.evidence_position, x.evidence_source
                FROM json_to_recordset(refunds) AS x(refund_position bigint, recorded_at text, job_id text, account text,
                    amount bigint, evidence_position bigint, evidence_source text)
                ON CONFLICT (refund_position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    account = excluded.account, amount = excluded.amount, evidence_position = excluded.evidence_position,
                    evidence_source = excluded.evidence_source;
            END IF;
            IF late IS NOT NULL AND json_array_length(late) > 0 THEN
                INSERT INTO projection_late_completions (late_position, recorded_at, job_id, policy, evidence_position,
                    evidence_source)
                SELECT x.late_position, x.recorded_at, x.job_id, x.policy, x.evidence_position, x.evidence_source
                FROM json_to_recordset(late) AS x(late_position bigint, recorded_at text, job_id text, policy text,
                    evidence_position bigint, evidence_source text)
                ON CONFLICT (late_position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    policy = excluded.policy, evidence_position = excluded.evidence_position,
                    evidence_source = excluded.evidence_source;
            END IF;
            IF conflicts IS NOT NULL AND json_array_length(conflicts) > 0 THEN
                INSERT INTO projection_conflicts (position, recorded_at, job_id, provider, report_type, reported, first_outcome,
                    completion_source)
                SELECT x.position, x.recorded_at, x.job_id, x.provider, x.report_type, x.reported, x.first_outcome,
                    x.completion_source
                FROM json_to_recordset(conflicts) AS x("position" bigint, recorded_at text, job_id text, provider text,
                    report_type text, reported text, first_outcome text, completion_source text)
                ON CONFLICT (position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    provider = excluded.provider, report_type = excluded.report_type, reported = excluded.reported,
                    first_outcome = excluded.first_outcome, completion_source = excluded.completion_source;
            END IF;
            IF rows IS NOT NULL AND json_array_length(rows) > 0 THEN
                INSERT INTO projection_notifications AS n (job_id, notification_id, event, stage, attempts, queued_at,
                    queued_position, last_attempt_at, settled_at, settled_position)
                SELECT x.job_id, x.notification_id, x.event, x.stage, x.attempts, x.queued_at, x.queued_position,
                    x.last_attempt_at, x.settled_at, x.settled_position
                FROM json_to_recordset(rows) AS x(job_id text, notification_id text, event text, stage text,
                    attempts bigint, queued_at text, queued_position bigint, last_attempt_at text, settled_at text,
                    settled_position bigint)
                ON CONFLICT (job_id, notification_id) DO UPDATE SET event = excluded.event,
                    stage = excluded.stage, attempts = excluded.attempts, queued_at = excluded.queued_at,
                    queued_position = coalesce(excluded.queued_position, n.queued_position),
                    last_attempt_at = excluded.last_attempt_at, settled_at = excluded.settled_at,
                    settled_position = CASE WHEN excluded.stage = 'open' THEN NULL
                                            ELSE coalesce(excluded.settled_position, n.settled_position) END;
            END IF;
        END $$;
        """#

    /// Each webhook that arrived after its job's outcome, with how late it
    /// was, as SQLite's `projection_late_webhooks` (its v10): the lateness
    /// read model ranks these rows. `ledger_write_projections` does what v8's
    /// did (kept under the name `ledger_write_projections_v8`) and then
    /// inserts the batch's late webhooks.
    static let v9LateWebhooks = #"""
        CREATE TABLE projection_late_webhooks (
            position    bigint  PRIMARY KEY,
            recorded_at text    COLLATE "C" NOT NULL,
            job_id      text    COLLATE "C" NOT NULL,
            provider    text    COLLATE "C" NOT NULL,
            lateness_ms bigint  NOT NULL
        );
        ALTER FUNCTION ledger_write_projections(text, text) RENAME TO ledger_write_projections_v8;
        CREATE FUNCTION ledger_write_projections(p_jobs text, p_projections text) RETURNS void
            LANGUAGE plpgsql AS $$
        DECLARE
            late json := p_projections::json -> 'late_webhooks';
        BEGIN
            PERFORM ledger_write_projections_v8(p_jobs, p_projections);
            IF late IS NOT NULL AND json_array_length(late) > 0 THEN
                INSERT INTO projection_late_webhooks (position, recorded_at, job_id, provider, lateness_ms)
                SELECT x.position, x.recorded_at, x.job_id, x.provider, x.lateness_ms
                FROM json_to_recordset(late) AS x("position" bigint, recorded_at text, job_id text, provider text,
                    lateness_ms bigint)
                ON CONFLICT (position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    provider = excluded.provider, lateness_ms = excluded.lateness_ms;
            END IF;
        END $$;
        """#

    static let v6MerkleTree = #"""
        CREATE TABLE merkle_nodes (
            level integer NOT NULL CHECK (level BETWEEN 0 AND 62),
            idx   bigint  NOT NULL CHECK (idx >= 0),
            hash  bytea   NOT NULL CHECK (length(hash) = 32),
            PRIMARY KEY (level, idx)
        );
        CREATE TABLE merkle_tree (
            id   integer PRIMARY KEY CHECK (id = 1),
            size bigint  NOT NULL CHECK (size >= 0)
        );
        INSERT INTO merkle_tree (id, size) VALUES (1, 0);
        CREATE TABLE tree_checkpoints (
            size       bigint      PRIMARY KEY CHECK (size > 0),
            note       text        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE retention_redactions (
            position    bigint PRIMARY KEY,
            data_sha256 text   NOT NULL CHECK (length(data_sha256) = 64)
        );
        """#
}

extension PostgresEventStore {
    /// The newest migration this build runs: what `ledger --version` names.
    public static var schemaVersion: String { PostgresMigrations.all.last?.identifier ?? "" }
}
