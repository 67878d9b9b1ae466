import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct DurabilityTests {
    @Test func theWriterUsesSynchronousFullByDefault() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        #expect(try await store.writerSynchronousLevel() == 2)
    }

    @Test func normalIsOptIn() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(durability: .normal))
        #expect(try await store.writerSynchronousLevel() == 1)
    }

    /// The readiness probe must write a page (and so sync the WAL): an update
    /// that leaves bytes unchanged is skipped by SQLite and proves nothing.
    @Test func theReadinessProbeCommitsARealChange() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        try await store.probeWritable()
        try await store.probeWritable()
        let probes = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT probes FROM readiness_probe") }
        #expect(probes == 2)
    }

    @Test func theDatabaseRefusesUpdateDeleteAndOutOfPlaceInserts() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j"))
        let head = try await store.head()
        let raw = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "UPDATE events SET data = '{}'") } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: "DELETE FROM events") } }
        // A row that skips a position, or does not chain to the last hash, is refused too.
        let insert = """
            INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256, metadata,
                prev_hash, hash)
            VALUES (?, ?, 1, 't', 1, '2026-11-23T10:00:00.000Z', '{}', ?, '{}', ?, ?)
            """
        let zeros = String(repeating: "0", count: 64)
        // The same row at the right place is accepted (so the refusals below are the triggers' doing).
        let valid: [(Int64, String, String)] = [(head.position + 1, "s", head.hash)]
        for (position, stream, previous) in valid {
            try await raw.write { try $0.execute(sql: insert, arguments: [position, stream, zeros, previous, zeros]) }
        }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: insert, arguments: [head.position + 3, "t", zeros, zeros, zeros]) } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: insert, arguments: [head.position + 2, "t", zeros, head.hash, zeros]) } }
        // INSERT OR REPLACE at the next position, chained, colliding with an existing stream version.
        let replace = insert.replacingOccurrences(of: "INSERT INTO", with: "INSERT OR REPLACE INTO")
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: replace, arguments: [head.position + 2, "s", zeros, zeros, zeros]) } }
        #expect(try await store.events(after: 0, limit: 10).count == 2)
    }
}
