extension PostgresMigrations {
    /// `ledger_write_projections` as one function that parses the batch's
    /// projection changes once, as `jsonb`. Before it, three layers (v5's,
    /// v8's under their old names, v9's) each re-parsed the text, and every
    /// `json -> 'key'` re-read it from the start: 18 reads of the text per
    /// group commit, about 160 µs of the database's CPU for a typical
    /// webhook batch's 800 bytes, where one `jsonb` parse and its lookups take
    /// about 20 (docs/performance.md). The statements and their order are
    /// the layers' own; what changes is only how the changes are read. The
    /// name and arguments are the same, so ``ledger_append_batch`` and the
    /// rebuild call it unchanged; `ledger_write_projections_v8` (which v9's
    /// layer called) and `_v5` (which v8's called) stay in place unused.
    static let v10ProjectionsParsedOnce = #"""
        CREATE OR REPLACE FUNCTION ledger_write_projections(p_jobs text, p_projections text) RETURNS void
            LANGUAGE plpgsql AS $$
        DECLARE
            changes jsonb := p_projections::jsonb;
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

            -- An absent key reads as NULL, and `NULL > 0` skips its statement.
            IF jsonb_array_length(changes -> 'accounts') > 0 THEN
                INSERT INTO projection_accounts AS a (account, charged, refunded, recharged)
                SELECT x.account, x.charged, x.refunded, x.recharged
                FROM jsonb_to_recordset(changes -> 'accounts') AS x(account text, charged bigint, refunded bigint, recharged bigint)
                ON CONFLICT (account) DO UPDATE SET charged = a.charged + excluded.charged,
                    refunded = a.refunded + excluded.refunded, recharged = a.recharged + excluded.recharged;
            END IF;

            IF jsonb_array_length(changes -> 'providers') > 0 THEN
                INSERT INTO projection_provider_health AS h (provider, webhooks, duplicates, orphans, late_webhooks, conflicts,
                    terminal_webhook, terminal_poll, terminal_watchdog, terminal_manual, terminal_app, last_webhook_at)
                SELECT x.provider, x.webhooks, x.duplicates, x.orphans, x.late_webhooks, x.conflicts, x.terminal_webhook,
                    x.terminal_poll, x.terminal_watchdog, x.terminal_manual, x.terminal_app, x.last_webhook_at
                FROM jsonb_to_recordset(changes -> 'providers') AS x(provider text, webhooks bigint, duplicates bigint,
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

            IF jsonb_array_length(changes -> 'unknown_statuses') > 0 THEN
                INSERT INTO projection_unknown_statuses AS u (provider, raw_status, reports, last_seen_at)
                SELECT x.provider, x.raw_status, x.reports, x.last_seen_at
                FROM jsonb_to_recordset(changes -> 'unknown_statuses')
                    AS x(provider text, raw_status text, reports bigint, last_seen_at text)
                ON CONFLICT (provider, raw_status) DO UPDATE SET reports = u.reports + excluded.reports,
                    last_seen_at = greatest(u.last_seen_at, excluded.last_seen_at);
            END IF;

            IF jsonb_array_length(changes -> 'orphans') > 0 THEN
                INSERT INTO projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate, received_at)
                SELECT x.position, x.provider, x.external_id, x.delivery_id, x.body_sha256, x.duplicate, x.received_at
                FROM jsonb_to_recordset(changes -> 'orphans') AS x("position" bigint, provider text, external_id text,
                    delivery_id text, body_sha256 text, duplicate boolean, received_at text)
                ON CONFLICT (position) DO UPDATE SET provider = excluded.provider, external_id = excluded.external_id,
                    delivery_id = excluded.delivery_id, body_sha256 = excluded.body_sha256,
                    duplicate = excluded.duplicate, received_at = excluded.received_at;
            END IF;

            -- A rebuild can meet a job stream before the orphan stream it adopted from: a
            -- placeholder row that the orphan's own insert completes.
            IF jsonb_array_length(changes -> 'adoptions') > 0 THEN
                INSERT INTO projection_orphans (position, provider, external_id, delivery_id, body_sha256, duplicate,
                    received_at, adopted_job_id, adopted_position)
                SELECT x.position, '', '', '', '', false, '', x.adopted_job_id, x.adopted_position
                FROM jsonb_to_recordset(changes -> 'adoptions')
                    AS x("position" bigint, adopted_job_id text, adopted_position bigint)
                ON CONFLICT (position) DO UPDATE SET adopted_job_id = excluded.adopted_job_id,
                    adopted_position = excluded.adopted_position;
            END IF;

            IF jsonb_array_length(changes -> 'attempts') > 0 THEN
                INSERT INTO projection_notification_attempts AS a (position, attempted_at, job_id, notification_id, event,
                    attempt, outcome, http_status, error, latency_ms)
                SELECT x.position, x.attempted_at, x.job_id, x.notification_id, x.event, x.attempt, x.outcome, x.http_status,
                    x.error, x.latency_ms
                FROM jsonb_to_recordset(changes -> 'attempts') AS x("position" bigint, attempted_at text, job_id text,
                    notification_id text, event text, attempt bigint, outcome text, http_status bigint, error text,
                    latency_ms bigint)
                ON CONFLICT (position) DO UPDATE SET attempted_at = excluded.attempted_at, job_id = excluded.job_id,
                    notification_id = excluded.notification_id, event = excluded.event, attempt = excluded.attempt,
                    outcome = excluded.outcome, http_status = excluded.http_status, error = excluded.error,
                    latency_ms = excluded.latency_ms;
            END IF;

            -- Outcomes of attempts written by an earlier call (an import's batch can end between the two).
            IF jsonb_array_length(changes -> 'settlements') > 0 THEN
                UPDATE projection_notification_attempts a SET outcome = x.outcome
                FROM jsonb_to_recordset(changes -> 'settlements') AS x("position" bigint, notification_id text, outcome text)
                WHERE a.position = x.position AND a.notification_id = x.notification_id;
            END IF;

            IF jsonb_array_length(changes -> 'refunds') > 0 THEN
                INSERT INTO projection_refunds (refund_position, recorded_at, job_id, account, amount, evidence_position,
                    evidence_source)
                SELECT x.refund_position, x.recorded_at, x.job_id, x.account, x.amount, x.evidence_position, x.evidence_source
                FROM jsonb_to_recordset(changes -> 'refunds') AS x(refund_position bigint, recorded_at text, job_id text,
                    account text, amount bigint, evidence_position bigint, evidence_source text)
                ON CONFLICT (refund_position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    account = excluded.account, amount = excluded.amount, evidence_position = excluded.evidence_position,
                    evidence_source = excluded.evidence_source;
            END IF;

            IF jsonb_array_length(changes -> 'late_completions') > 0 THEN
                INSERT INTO projection_late_completions (late_position, recorded_at, job_id, policy, evidence_position,
                    evidence_source)
                SELECT x.late_position, x.recorded_at, x.job_id, x.policy, x.evidence_position, x.evidence_source
                FROM jsonb_to_recordset(changes -> 'late_completions') AS x(late_position bigint, recorded_at text,
                    job_id text, policy text, evidence_position bigint, evidence_source text)
                ON CONFLICT (late_position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    policy = excluded.policy, evidence_position = excluded.evidence_position,
                    evidence_source = excluded.evidence_source;
            END IF;

            IF jsonb_array_length(changes -> 'conflicts') > 0 THEN
                INSERT INTO projection_conflicts (position, recorded_at, job_id, provider, report_type, reported, first_outcome,
                    completion_source)
                SELECT x.position, x.recorded_at, x.job_id, x.provider, x.report_type, x.reported, x.first_outcome,
                    x.completion_source
                FROM jsonb_to_recordset(changes -> 'conflicts') AS x("position" bigint, recorded_at text, job_id text,
                    provider text, report_type text, reported text, first_outcome text, completion_source text)
                ON CONFLICT (position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    provider = excluded.provider, report_type = excluded.report_type, reported = excluded.reported,
                    first_outcome = excluded.first_outcome, completion_source = excluded.completion_source;
            END IF;

            IF jsonb_array_length(changes -> 'notifications') > 0 THEN
                INSERT INTO projection_notifications AS n (job_id, notification_id, event, stage, attempts, queued_at,
                    queued_position, last_attempt_at, settled_at, settled_position)
                SELECT x.job_id, x.notification_id, x.event, x.stage, x.attempts, x.queued_at, x.queued_position,
                    x.last_attempt_at, x.settled_at, x.settled_position
                FROM jsonb_to_recordset(changes -> 'notifications') AS x(job_id text, notification_id text, event text,
                    stage text, attempts bigint, queued_at text, queued_position bigint, last_attempt_at text,
                    settled_at text, settled_position bigint)
                ON CONFLICT (job_id, notification_id) DO UPDATE SET event = excluded.event,
                    stage = excluded.stage, attempts = excluded.attempts, queued_at = excluded.queued_at,
                    queued_position = coalesce(excluded.queued_position, n.queued_position),
                    last_attempt_at = excluded.last_attempt_at, settled_at = excluded.settled_at,
                    settled_position = CASE WHEN excluded.stage = 'open' THEN NULL
                                            ELSE coalesce(excluded.settled_position, n.settled_position) END;
            END IF;

            IF jsonb_array_length(changes -> 'late_webhooks') > 0 THEN
                INSERT INTO projection_late_webhooks (position, recorded_at, job_id, provider, lateness_ms)
                SELECT x.position, x.recorded_at, x.job_id, x.provider, x.lateness_ms
                FROM jsonb_to_recordset(changes -> 'late_webhooks') AS x("position" bigint, recorded_at text, job_id text,
                    provider text, lateness_ms bigint)
                ON CONFLICT (position) DO UPDATE SET recorded_at = excluded.recorded_at, job_id = excluded.job_id,
                    provider = excluded.provider, lateness_ms = excluded.lateness_ms;
            END IF;
        END $$;
        """#
}
