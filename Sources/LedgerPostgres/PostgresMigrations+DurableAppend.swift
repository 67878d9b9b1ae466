extension PostgresMigrations {
    /// `ledger_append_batch` called so that its answer comes back only once its
    /// commit has. An autocommit statement's rows arrive before its implicit
    /// commit (at the protocol's Sync, which the client library does not wait
    /// for): a server stopped, or a deferred check failing, in between had a
    /// batch acknowledged that never committed. A procedure may commit itself
    /// when it is called on its own, so this one commits, then answers, in one
    /// round trip. Its answer is the function's rows as one JSON array, the
    /// head rows first, then the events that moved the head, in order, but only
    /// while their bodies come to 64 MB at most: past that none (the node then
    /// reads the log itself), since one aggregated answer has a size limit
    /// (jsonb's 256 MB failed a batch from a node that had been idle while
    /// another stored large webhooks). The function stays for batches inside a
    /// transaction (the locked mode and imports, whose `COMMIT` is answered).
    static let v12DurableAppend = #"""
        CREATE PROCEDURE ledger_append_batch_durably(
            p_expected_position bigint, p_expected_hash text,
            p_fence_name text, p_fence_holder text, p_fence_epoch bigint,
            p_rebase boolean, p_read_streams text[], p_reads_absent boolean, p_time_flexible boolean,
            e_position bigint[], e_stream text[], e_version bigint[], e_type text[], e_schema_version bigint[],
            e_recorded_at text[], e_data text[], e_data_sha256 text[], e_metadata text[], e_metadata_sha256 text[],
            e_idempotency_key text[], e_prev_hash text[], e_hash text[],
            p_jobs text, p_projections text, p_notify text, INOUT answer text DEFAULT NULL)
            LANGUAGE plpgsql AS $$
        DECLARE
            r record;
            heads json[] := '{}';
            moved json[] := '{}';
            moved_bytes bigint := 0;
        BEGIN
            -- In the function's order (its rows' own `ordinality` key is left in: readers ignore it).
            FOR r IN SELECT to_json(f) AS answer_row, f.outcome, coalesce(octet_length(f.data), 0) + coalesce(octet_length(f.metadata), 0) AS bytes
                     FROM ledger_append_batch(p_expected_position, p_expected_hash, p_fence_name, p_fence_holder,
                                              p_fence_epoch, p_rebase, p_read_streams, p_reads_absent, p_time_flexible,
                                              e_position, e_stream, e_version, e_type, e_schema_version, e_recorded_at, e_data,
                                              e_data_sha256, e_metadata, e_metadata_sha256, e_idempotency_key, e_prev_hash, e_hash,
                                              p_jobs, p_projections, p_notify) WITH ORDINALITY AS f
                     ORDER BY f.ordinality LOOP
                IF r.outcome = 'event' THEN
                    moved_bytes := moved_bytes + r.bytes;
                    IF moved_bytes <= 67108864 THEN
                        moved := moved || r.answer_row;
                    END IF;
                ELSE
                    heads := heads || r.answer_row;
                END IF;
            END LOOP;
            IF moved_bytes > 67108864 THEN
                moved := '{}';
            END IF;
            answer := array_to_json(heads || moved)::text;
            COMMIT;
        END $$;
        """#
}
