import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    /// Rebuilds the live projections from the log, in one transaction.
    public func rebuild(progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws(StoreError) -> Int64 {
        let pool = self.pool
        let rebuilder = Rebuilder(writer: .live, parallelEventCountMin: options.rebuildParallelEventCountMin)
        return try await write { db in try rebuilder.runParallel(db, pool: pool, progress: progress) }
    }

    /// Rebuilds into temporary tables and compares them with the live ones.
    public func rebuildCheck(progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws(StoreError) -> RebuildCheck {
        let pool = self.pool
        let rebuilder = Rebuilder(writer: .check, parallelEventCountMin: options.rebuildParallelEventCountMin)
        return try await write { db in
            try Self.createCheckTables(db)
            defer { try? Self.dropCheckTables(db) }
            let count = try rebuilder.runParallel(db, pool: pool, progress: progress)
            var differences: [String: RebuildCheck.Difference] = [:]
            for table in ProjectionTable.all {
                if let difference = try Self.compare(table.name, key: table.key, db) { differences[table.name] = difference }
            }
            return RebuildCheck(eventsRead: count, differences: differences)
        }
    }

    private static func createCheckTables(_ db: Database) throws {
        try dropCheckTables(db)
        for table in ProjectionTable.all.map(\.name) {
            guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM main.sqlite_master WHERE name = ?",
                                                arguments: [table]) else { continue }
            let prefix = "CREATE TABLE \(table)"
            precondition(sql.hasPrefix(prefix), "projection table \(table) is created by plain CREATE TABLE")
            try db.execute(sql: "CREATE TEMP TABLE rebuild_\(table)" + sql.dropFirst(prefix.count))
        }
        try db.execute(sql: "INSERT INTO temp.rebuild_projection_checkpoint (id, position) VALUES (1, 0)")
    }

    private static func dropCheckTables(_ db: Database) throws {
        for table in ProjectionTable.all { try db.execute(sql: "DROP TABLE IF EXISTS temp.rebuild_\(table.name)") }
    }

    private static func compare(_ table: String, key: String, _ db: Database) throws -> RebuildCheck.Difference? {
        let live = "SELECT * FROM main.\(table) EXCEPT SELECT * FROM temp.rebuild_\(table)"
        let rebuilt = "SELECT * FROM temp.rebuild_\(table) EXCEPT SELECT * FROM main.\(table)"
        let onlyLive = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(live))") ?? 0
        let onlyRebuilt = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(rebuilt))") ?? 0
        guard onlyLive + onlyRebuilt > 0 else { return nil }
        let example = try String.fetchOne(db, sql: "SELECT CAST(\(key) AS TEXT) FROM (\(live) UNION ALL \(rebuilt)) LIMIT 1")
        return .init(onlyLive: onlyLive, onlyRebuilt: onlyRebuilt, example: example)
    }

    /// Verifies the chain, the triggers and the invariants (`ledger verify`).
    public func verify(progress: @escaping @Sendable (Int64) -> Void = { _ in }) async throws(StoreError) -> VerificationReport {
        try await read { db in try Verifier().run(db, progress: progress) }
    }
}
