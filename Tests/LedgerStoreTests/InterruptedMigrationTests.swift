import Foundation
import GRDB
@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Catalogue entry 15: a schema migration interrupted. Each migration runs in
/// one transaction, so one that fails half-way leaves nothing of itself, the
/// ledger refuses to start on it, and once the cause is gone the next start
/// runs it again from the beginning.
@Suite struct InterruptedMigrationTests {
    @Test func aMigrationThatFailsHalfWayLeavesNothingAndRunsAgainLater() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let pool = try DatabasePool(path: path)
        // A ledger as the release before the Merkle tree left it, with a log.
        var before = DatabaseMigrator()
        for migration in LedgerMigrations.all.prefix(while: { $0.identifier != "v7-merkle-tree" }) {
            before.registerMigration(migration.identifier) { db in try db.execute(sql: migration.sql) }
        }
        try before.migrate(pool)
        // The third of the migration's four tables already exists (a stray, an operator's
        // experiment): its CREATE fails after the first two of the same migration ran.
        try await pool.write { try $0.execute(sql: "CREATE TABLE tree_checkpoints (x INTEGER)") }
        try pool.close()

        #expect(throws: (any Error).self, "the ledger refuses to start on a migration that failed") {
            _ = try SQLiteEventStore(path: path)
        }
        let left = try DatabaseQueue(path: path)
        let tables = try await left.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") }
        #expect(!tables.contains("merkle_nodes") && !tables.contains("merkle_tree"), "nothing of the failed migration: \(tables)")
        let applied = try await left.read { try String.fetchAll($0, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(!applied.contains("v7-merkle-tree"))

        try await left.write { try $0.execute(sql: "DROP TABLE tree_checkpoints") }
        try left.close()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "x1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .failed, delivery: "d1")))
        #expect(try await store.verify().isSound, "migrated from the beginning and working")
        let after = try await store.table(.audit(.refunds, from: nil, to: nil, limit: 10))
        #expect(after.rows.count == 1)
    }
}
