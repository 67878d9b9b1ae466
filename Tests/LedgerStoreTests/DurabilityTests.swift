import GRDB
import LedgerCore
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
            INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, metadata, prev_hash, hash)
            VALUES (?, 's', 1, 't', 1, '2026-11-23T10:00:00.000Z', '{}', '{}', ?, ?)
            """
        let zeros = String(repeating: "0", count: 64)
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: insert, arguments: [head.position + 2, head.hash, zeros]) } }
        #expect(throws: DatabaseError.self) { try raw.write { try $0.execute(sql: insert, arguments: [head.position + 1, zeros, zeros]) } }
        #expect(try await store.events(after: 0, limit: 10).count == 1)
    }
}
