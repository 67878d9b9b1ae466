import Foundation
import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresEventStore: EngineOperations {
    /// Proves the database takes a durable write now (`/readyz`): the role
    /// holds every privilege appending needs, and a commit between this
    /// node's group commits that also takes the chain lock goes through.
    public func probeWritable() async throws(StoreError) {
        do {
            try await probeAppend()
        } catch .storageUnavailable(let detail) where detail.hasPrefix(BoundedConnections.noConnectionWords) {
            throw .storageUnavailable(await whyNoConnection(detail))
        }
    }

    /// Why the pool gave no connection, found with one new connection of its
    /// own: the server's refusal (every `max_connections` slot taken, a role's
    /// or database's connection limit) or the network's, in the server's words;
    /// or none, when this node's own connections are all busy. The pool
    /// retries in silence, so an operator read "down or saturated" while the
    /// server said exactly which.
    private func whyNoConnection(_ detail: String) async -> String {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnectFailure.connect(location, logger: logger, timeout: .milliseconds(1_500))
        } catch {
            let reason = if case .cannotConnect(_, let reason) = error { reason } else { error.description }
            return "\(detail); a new connection now: \(reason)"
        }
        try? await connection.close()
        return "\(detail); a new connection now succeeds: this node's \(Self.connectionCountMax) pooled connections are all busy"
    }

    private func probeAppend() async throws(StoreError) {
        try await lockedTransaction(within: .probe, keepsWriterState: true) { [self, logger] connection, _ in
            let missing = try await missingPrivileges(PostgresPrivilege.append, connection)
            if let first = missing.first {
                let role = try await connectedRole(connection)
                throw StoreError.storageRefused("the role \(role) lacks \(missing.count) privilege(s) appending needs, "
                                                + "the first: \(first.grant(to: role))")
            }
            // A newer ledger's node migrated the database under this one (a rolling deploy of a release
            // that brings a migration): this node stops taking traffic, as a restarted one would refuse to start.
            let applied = try await rows("SELECT identifier FROM ledger_migrations", on: connection, logger: logger).compactMap { $0.text("identifier") }
            let unknown = SchemaNames.unknown(applied, migrations: PostgresMigrations.all)
            guard unknown.isEmpty else { throw StoreError.newerLedger(path: location.description, migrations: unknown) }
            try await run("""
                INSERT INTO ledger_settings AS s (key, value) VALUES ('readiness_probes', '1')
                ON CONFLICT (key) DO UPDATE SET value = (s.value::bigint + 1)::text
                """, on: connection, logger: logger)
        }
    }

    /// Settings every process deciding for this ledger must share (`ledger
    /// serve` records its configuration; the cron commands read it).
    public func recordSettings(_ settings: [String: String]) async throws(StoreError) {
        try await reading { [logger] connection in
            try await run("""
                INSERT INTO ledger_settings (key, value) SELECT * FROM unnest($1::text[], $2::text[])
                ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, [.texts(Array(settings.keys)), .texts(Array(settings.values))], on: connection, logger: logger)
        }
    }

    public func recordedSettings() async throws(StoreError) -> [String: String] {
        try await reading { [self] connection in
            var settings: [String: String] = [:]
            for row in try await rows("SELECT key, value FROM ledger_settings", on: connection, logger: logger) {
                if let key = row.text("key"), let value = row.text("value") { settings[key] = value }
            }
            return settings
        }
    }

    /// Each privilege a part of the ledger needs and the connecting role
    /// lacks, with the SQL that grants it (autovacuum makes a redacted body's
    /// room reusable on its own: no space to give back here).
    public func storageFindings() async throws(StoreError) -> [DoctorFinding] {
        try await reading { [self] connection in
            let missing = try await missingPrivileges(PostgresPrivilege.all, connection)
            guard !missing.isEmpty else { return [] }
            let role = try await connectedRole(connection)
            return Dictionary(grouping: missing, by: \.part).sorted { $0.key < $1.key }.map { part, privileges in
                DoctorFinding(check: "privileges",
                              summary: "the role \(role) lacks what \(part) needs: "
                                  + privileges.map { "\($0.privilege)\($0.column.map { " (\($0))" } ?? "") on \($0.table)" }
                                      .joined(separator: ", "),
                              command: "psql -c '" + privileges.map { $0.grant(to: role) }.joined(separator: "; ")
                                  + "'   # as the tables' owner")
            }
        }
    }

    public func contradiction(of checkpoint: Checkpoint) async throws(StoreError) -> String? {
        try await reading { [self] connection in
            let row = try await rows("""
                SELECT (SELECT hash FROM events WHERE position = $1) AS hash,
                       (SELECT count(*) FROM events WHERE position <= $1) AS count
                """, [.integer(checkpoint.position)], on: connection, logger: logger).first
            guard let hash = row?.text("hash") else {
                return "the log has no event at the checkpoint's position \(checkpoint.position) (truncated?)"
            }
            guard hash == checkpoint.hash else {
                return "the hash at position \(checkpoint.position) is \(hash), the checkpoint says \(checkpoint.hash): history was rewritten"
            }
            let count = row?.integer("count") ?? 0
            guard count == checkpoint.count else {
                return "\(count) events up to position \(checkpoint.position), the checkpoint says \(checkpoint.count)"
            }
            return nil
        }
    }

    public func export(after position: Int64, to handle: FileHandle, batchCount: Int) async throws(StoreError) -> Int64 {
        try await exportLines(after: position, to: handle, batchCount: batchCount)
    }

    /// The chain position by position, the database's guards, and the
    /// invariants straight from the log (not from the projections).
    public func verify(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> VerificationReport {
        try await reading(within: .operation) { [self, logger] connection in
            try await run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", on: connection, logger: logger)
            do {
                var report = try await PostgresLogWalk(connection: connection, logger: logger).report(progress: progress)
                report.findings += try await missingGuards(connection)
                try await run("COMMIT", on: connection, logger: logger)
                return report
            } catch {
                await rollBack(on: connection, logger: logger)
                throw error
            }
        }
    }

    public func guardFindings() async throws(StoreError) -> [VerificationReport.Finding] {
        try await reading { [self] connection in try await missingGuards(connection) }
    }

    /// The immutability triggers that are not there, or not `ENABLE ALWAYS`,
    /// each with what mends it: a disabled one is enabled again by the
    /// tables' owner; a missing one means the log was left unguarded.
    private func missingGuards(_ connection: PostgresConnection) async throws -> [VerificationReport.Finding] {
        let found = try await rows("""
            SELECT tgname::text AS name, tgrelid::regclass::text AS relation, tgenabled::text AS enabled FROM pg_trigger
            WHERE tgrelid IN ('events'::regclass, 'ledger_head'::regclass) AND NOT tgisinternal
            """, on: connection, logger: logger)
        var present: [String: (relation: String, enabled: String)] = [:]
        for row in found {
            if let name = row.text("name") { present[name] = (row.text("relation") ?? "events", row.text("enabled") ?? "") }
        }
        return Self.guardTriggers.compactMap { name in
            guard let trigger = present[name] else {
                return .init(check: "triggers", position: nil,
                             detail: "trigger \(name) is missing: the log is not protected by the database",
                             remedy: StoreError.unguardedLogRemedy)
            }
            guard trigger.enabled != "A" else { return nil }
            return .init(check: "triggers", position: nil,
                         detail: "trigger \(name) is not ENABLE ALWAYS: the log is not protected by the database",
                         remedy: "psql -c 'ALTER TABLE \(trigger.relation) ENABLE ALWAYS TRIGGER \(name)'   # as the tables' owner; "
                             + "then ledger verify")
        }
    }

    static let guardTriggers = ["events_refuse_change", "events_refuse_truncate", "events_chain", "ledger_head_guard",
                                "ledger_head_refuse_truncate"]

    /// Folds the whole log again into the projection tables, under the chain
    /// lock (no node appends meanwhile).
    public func rebuild(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> Int64 {
        try await lockedTransaction(within: .operation, keepsWriterState: true) { [logger] connection, _ in
            try await PostgresRebuild(logger: logger).run(connection, progress: progress)
        }
    }

    /// Rebuilds into temporary tables in one snapshot and compares them with
    /// the live ones. The temporary tables have the live ones' names and come
    /// first in `search_path`, so the rebuild writes through the very
    /// functions live appends use.
    public func rebuildCheck(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> RebuildCheck {
        try await reading(within: .operation) { [self] connection in
            try await run("BEGIN ISOLATION LEVEL REPEATABLE READ", on: connection, logger: logger)
            do {
                guard let schema = try await rows("SELECT current_schema() AS name", on: connection, logger: logger)
                    .first?.text("name") else { throw StoreError.unexpected("no current schema") }
                for table in ProjectionTable.all {
                    try await run("CREATE TEMPORARY TABLE \(table.name) (LIKE \(quoted(schema)).\(table.name) INCLUDING ALL) ON COMMIT DROP",
                                  on: connection, logger: logger)
                }
                try await run("SET LOCAL search_path = pg_temp, \(quoted(schema))", on: connection, logger: logger)
                try await run("INSERT INTO pg_temp.projection_checkpoint SELECT * FROM \(quoted(schema)).projection_checkpoint",
                              on: connection, logger: logger)
                let count = try await PostgresRebuild(logger: logger).run(connection, progress: progress)
                var differences: [String: RebuildCheck.Difference] = [:]
                for table in ProjectionTable.folded {
                    if let difference = try await compare(table, live: "\(quoted(schema)).\(table.name)",
                                                          rebuilt: "pg_temp.\(table.name)", connection) {
                        differences[table.name] = difference
                    }
                }
                try await run("ROLLBACK", on: connection, logger: logger)
                return RebuildCheck(eventsRead: count, differences: differences)
            } catch {
                await rollBack(on: connection, logger: logger)
                throw error
            }
        }
    }

    private func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    private func compare(_ table: ProjectionTable, live: String, rebuilt: String,
                         _ connection: PostgresConnection) async throws -> RebuildCheck.Difference? {
        // json has no equality: rows are compared as their text.
        func count(_ left: String, _ right: String) async throws -> (Int, String?) {
            let found = try await rows("""
                SELECT count(*) AS rows, min(key) AS example FROM (
                    SELECT \(table.key)::text AS key, row_to_json(l)::text AS body FROM \(left) l
                    EXCEPT SELECT \(table.key)::text, row_to_json(r)::text FROM \(right) r) d
                """, on: connection, logger: logger).first
            return (Int(found?.integer("rows") ?? 0), found?.text("example"))
        }
        let (onlyLive, liveExample) = try await count(live, rebuilt)
        let (onlyRebuilt, rebuiltExample) = try await count(rebuilt, live)
        guard onlyLive + onlyRebuilt > 0 else { return nil }
        return RebuildCheck.Difference(onlyLive: onlyLive, onlyRebuilt: onlyRebuilt, example: liveExample ?? rebuiltExample)
    }

    /// Appends exported lines after checking that they continue this log's
    /// chain and that every hash recomputes, under the chain lock; then
    /// rebuilds the projections and checks the invariants. Anything wrong
    /// rejects the whole import (one transaction).
    public func importEvents(lines: [String]) async throws(StoreError) -> Int64 {
        let now = options.clock()
        return try await lockedTransaction(within: .operation) { [logger] connection, head in
            let firstPosition = head.position + 1
            let last = try await rows("SELECT recorded_at FROM events WHERE position = $1", [.integer(head.position)],
                                      on: connection, logger: logger).first?.text("recorded_at")
            let events = try ImportCheck.events(lines, after: head, headRecordedAt: last, now: now)
            var after = head
            for chunk in stride(from: 0, to: events.count, by: 5_000) {
                let rows = events[chunk..<min(chunk + 5_000, events.count)].map(\.event)
                try await PostgresWriteDialect.insert(rows, after: after, connection, logger: logger)
                after = ChainHead(position: rows[rows.count - 1].position, hash: rows[rows.count - 1].hash)
            }
            _ = try await PostgresRebuild(logger: logger).run(connection, progress: { _ in })
            // A re-hashed file can chain perfectly and still pay a refund twice:
            // the invariants must hold too, or nothing is imported.
            let report = try await PostgresLogWalk(connection: connection, logger: logger).report(progress: { _ in })
            if let finding = report.findings.first { throw finding.importRejection(firstImportedPosition: firstPosition) }
            return Int64(events.count)
        }
    }
}
