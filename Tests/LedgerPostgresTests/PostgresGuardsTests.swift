import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// What the PostgreSQL database itself enforces, tried from `psql` as the
/// superuser, the strongest client short of changing the schema.
@Suite struct PostgresGuardsTests {
    @Test func theLogRefusesUpdateDeleteAndTruncateEvenAsAReplica() async throws {
        let (server, database, store) = try await Self.ledgerOfOneJob()
        defer { Task { await store.close() } }
        let before = try await store.events(after: 0, limit: 10)

        for sql in [
            "UPDATE events SET data = '{}' WHERE position = 1",
            "DELETE FROM events WHERE position = 1",
            "TRUNCATE events",
            "SET session_replication_role = replica; UPDATE events SET data = '{}' WHERE position = 1",
            "SET session_replication_role = replica; DELETE FROM events",
            "UPDATE ledger_head SET position = 0",
            "DELETE FROM ledger_head",
            "SET session_replication_role = replica; UPDATE ledger_head SET hash = repeat('1', 64)",
        ] {
            #expect(throws: PostgresSetupFailure.self, "\(sql)") { try server.psql(sql, database: database) }
        }
        #expect(try await store.events(after: 0, limit: 10) == before)
    }

    @Test func anInsertOffTheChainIsRefused() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let store = try await PostgresEventStore.open(url: server.url(database: database))
        defer { Task { await store.close() } }
        _ = try await store.append(StoreConformance.plain("s", count: 1))
        let row = try await store.events(after: 0, limit: 1)[0]
        // The next position, but chained to a made-up hash; then a gap.
        for (position, previous) in [(2, String(repeating: "1", count: 64)), (3, row.hash)] {
            let insert = """
                INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256,
                    metadata, prev_hash, hash)
                VALUES (\(position), 's', 2, 'operator.action', 1, '\(row.recordedAt)', '{}', '\(row.dataSHA256)', '{}',
                        '\(previous)', '\(String(repeating: "2", count: 64))')
                """
            #expect(throws: PostgresSetupFailure.self) { try server.psql(insert, database: database) }
        }
        #expect(try await store.head().position == 1)
    }

    /// What `serve` logs at critical level at every start and `verify`
    /// reports: a guard switched off (mended by enabling it again) and one
    /// dropped (the log was left unguarded), and nothing on a guarded log.
    @Test func guardsSwitchedOffOrDroppedAreFound() async throws {
        let (server, database, store) = try await Self.ledgerOfOneJob()
        defer { Task { await store.close() } }
        #expect(try await store.guardFindings().isEmpty)
        try server.psql("ALTER TABLE events DISABLE TRIGGER events_refuse_change", database: database)
        try server.psql("DROP TRIGGER ledger_head_guard ON ledger_head", database: database)
        let findings = try await store.guardFindings()
        #expect(findings.map(\.detail).sorted() == ["trigger events_refuse_change is not ENABLE ALWAYS: the log is not protected by the database",
                                                    "trigger ledger_head_guard is missing: the log is not protected by the database"],
                "\(findings)")
        #expect(findings.contains { $0.remedy?.contains("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change") == true })
        #expect(findings.contains { $0.remedy == StoreError.unguardedLogRemedy })
        #expect(try await store.verify().findings.contains { $0.detail.contains("ledger_head_guard is missing") })
    }

    /// The service role of docs/postgres.md, set up with the SQL written
    /// there (read from the document, so the two cannot drift apart): it
    /// serves, and cannot change the log or switch its guards off.
    @Test func theDocumentedServiceRoleServesAndCannotChangeTheLog() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let owner = try await PostgresEventStore.open(url: server.url(database: database))
        await owner.close()
        let document = try String(contentsOfFile: Self.repository + "/docs/postgres.md", encoding: .utf8)
        for sql in try #require(DocumentedSQL.statements(in: document, after: "-- 2. as the owner")) {
            // Roles belong to the whole server: another test may have made them.
            if sql.hasPrefix("CREATE ROLE") {
                try server.psql("DO $$ BEGIN \(sql); EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
                                database: database)
            } else {
                try server.psql(sql, database: database)
            }
        }
        let serviceURL = server.url(database: database).replacingOccurrences(of: "postgres://\(server.user)@", with: "postgres://ledger_service@")
        let service = try await PostgresEventStore.open(url: serviceURL)
        defer { Task { await service.close() } }
        _ = try await service.execute(Fixtures.register("j", cost: 30, externalID: "x"))
        _ = try await service.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        #expect(try await service.verify().isSound)
        let retained = try await service.retainBodies(RetentionRun(cutoff: Timestamp(iso8601: "2100-01-01T00:00:00.000Z")!,
                                                                   operatorName: "svc"), dryRun: false)
        #expect(retained.count == 1, "the service role redacts: \(retained)")
        #expect(try await service.verify().isSound)
        for sql in ["DELETE FROM events", "TRUNCATE events", "UPDATE events SET data = '{}'",
                    "ALTER TABLE events DISABLE TRIGGER events_refuse_change", "DROP TRIGGER events_chain ON events"] {
            #expect(throws: PostgresSetupFailure.self, "\(sql)") { try server.psql(sql, database: database, user: "ledger_service") }
        }
        #expect(try await service.head().position == 5, "4 events and the retention run")
        // Someone with the owner's rights changes the redacted webhook: verify names it, not the run at 5.
        try server.psql("ALTER TABLE events DISABLE TRIGGER events_refuse_change", database: database)
        try server.psql(#"UPDATE events SET data = replace(data::text, '"duplicate":false', '"duplicate":true')::json WHERE position = 2"#,
                        database: database)
        try server.psql("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change", database: database)
        let report = try await service.verify()
        #expect(report.findings.first { $0.check == "chain" }?.position == 2 && report.head == nil, "\(report.findings)")
    }

    /// The server stops taking connections to the ledger's database while a
    /// node runs: its readiness probe says why in the server's words (it said
    /// only "down or saturated", while the pool retried in silence), and, once
    /// the server takes connections again, that the node is ready.
    @Test func aNodeTheServerRefusesConnectionsSaysWhyWhenProbed() async throws {
        let (server, database, store) = try await Self.ledgerOfOneJob()
        try server.psql("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS false")
        defer { _ = try? server.psql("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true") }
        _ = try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(database)'")
        // A probe may still meet a pooled connection the server was closing ("closed the connection"):
        // the next one finds the pool empty.
        var answers: [String] = []
        for _ in 0..<5 {
            do { try await store.probeWritable() } catch { answers.append("\(error)") }
            if answers.last?.contains("no PostgreSQL connection within") == true { break }
        }
        let answer = answers.last ?? "ready"
        #expect(answer.contains("no PostgreSQL connection within") && answer.contains("a new connection now: ")
                && answer.contains("is not currently accepting connections (55000)"), "\(answers)")
        try server.psql("ALTER DATABASE \(database) WITH ALLOW_CONNECTIONS true")
        // The pool reconnects after its own back-off: ready again within a minute.
        var ready = false
        for _ in 0..<60 where !ready {
            do { try await store.probeWritable(); ready = true } catch { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(ready, "ready once the server takes connections again")
        await store.close()
    }

    /// A node of a newer release migrated the database under this running
    /// node (a rolling deploy of a release that brings a migration): this
    /// node's readiness probe fails naming the migration, as a restart would
    /// refuse to start (it went on serving a schema it does not know).
    @Test func aRunningNodeUnderANewerReleasesMigrationIsNotReady() async throws {
        let (server, database, store) = try await Self.ledgerOfOneJob()
        try await store.probeWritable()
        try server.psql("INSERT INTO ledger_migrations (identifier) VALUES ('v99-from-the-future')", database: database)
        await #expect(throws: StoreError.newerLedger(path: store.location.description, migrations: ["v99-from-the-future"])) {
            try await store.probeWritable()
        }
        await store.close()
    }

    /// A fresh database of the shared server holding one registered job, and its store (the caller closes it).
    static func ledgerOfOneJob() async throws -> (ThrowawayPostgres, String, PostgresEventStore) {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let store = try await PostgresEventStore.open(url: server.url(database: database))
        _ = try await store.execute(Fixtures.register("j", cost: 30, externalID: "x"))
        return (server, database, store)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
