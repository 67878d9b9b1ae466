import GRDB
import LedgerCore
@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The SQLite dialect under the write path written once (``GroupCommit``).
@Suite struct SQLiteWriteDialectTests {
    @Test func aBatchDecidedAgainstAStaleHeadWritesNothing() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let writer = try SQLiteEventStore(path: path)
        // Another process's writer on the same file (its own connection, so `data_version` tells).
        let store = try SQLiteEventStore(path: path)
        try await StoreConformance.staleBatchWritesNothing(writer.writer.dialect, store: store)
    }

    /// The prefetch foresees every read a request makes: a random workload
    /// (orphans, adoptions, refusals, repeats) is decided without one request
    /// decided again for a read it had not loaded.
    @Test func theHandlersReadsAreAllLoadedBeforeDeciding() async throws {
        var generator = SeededGenerator(seed: 21)
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(durability: .normal))
        let requests = RandomWorkload(jobCount: 30, stepsPerJob: 12).requests(using: &generator)
        for chunk in stride(from: 0, to: requests.count, by: 24).map({ Array(requests[$0..<min($0 + 24, requests.count)]) }) {
            await withTaskGroup(of: Void.self) { group in
                for request in chunk { group.addTask { _ = try? await store.execute(request) } }
            }
        }
        let statistics = store.batchStatistics
        #expect(statistics.requests > 300 && statistics.decideReads > 0)
        #expect(statistics.rereads == 0, "requests decided again for a read not loaded: \(statistics.rereads)")
    }

    /// Rows are bound through SQLite's own calls (``Statement/execute(values:)``):
    /// each value arrives as the type and bytes it had, an empty text stays
    /// text, and a refused row fails as GRDB fails, naming the constraint.
    @Test func boundValuesArriveAsTheyWere() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (key TEXT PRIMARY KEY, empty TEXT, big INTEGER, none TEXT, tail TEXT)")
            let insert = try db.cachedStatement(sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?)")
            try insert.execute(values: [.text("é ☃ 😀"), .text(""), .integer(.min), .null, .text("a\u{0}b")])
            try insert.execute(values: [.text("second"), .text(""), .integer(.max), .null, .text("")])
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT key, typeof(empty) AS emptyType, empty, big, typeof(none) AS noneType, length(CAST(tail AS BLOB)) AS tailBytes
                FROM t WHERE key = 'é ☃ 😀'
                """))
            #expect(row["emptyType"] as String == "text" && row["empty"] as String == "")
            #expect(row["big"] as Int64 == .min && row["noneType"] as String == "null" && row["tailBytes"] as Int == 3)
            let refused = #expect(throws: DatabaseError.self) { try insert.execute(values: [.text("second"), .null, .null, .null, .null]) }
            #expect(refused?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }

    /// The job row's in-place update sets no column an index of
    /// `projection_jobs` covers (SQLite would rewrite that entry on every
    /// webhook): a key column, or one a partial index's WHERE names. The
    /// writer names those columns in one set, held here to the indexes SQLite
    /// reports for the migrated table.
    @Test func theInPlaceUpdateKnowsEveryIndexedColumn() throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        let (keys, expressions, conditions) = try withExtendedLifetime(store) {
            try DatabaseQueue(path: path).read { db in
                let indexes = "pragma_index_list('projection_jobs') AS list, pragma_index_info(list.name) AS info"
                return (try String.fetchSet(db, sql: "SELECT info.name FROM \(indexes) WHERE info.name IS NOT NULL"),
                        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(indexes) WHERE info.name IS NULL") ?? -1,
                        try String.fetchAll(db, sql: """
                            SELECT schema.sql FROM pragma_index_list('projection_jobs') AS list
                            JOIN sqlite_schema AS schema ON schema.name = list.name WHERE list.partial = 1
                            """))
            }
        }
        #expect(expressions == 0, "an index on an expression: its columns are not listed by name")
        let identifiers = Set(conditions.flatMap { sql in
            sql.components(separatedBy: " WHERE ").dropFirst().joined().split { !($0.isLetter || $0.isNumber || $0 == "_") }.map(String.init)
        })
        let namedByConditions = identifiers.intersection(JobState.columns)
        #expect(keys.contains("job_id") && keys.count > 1 && !namedByConditions.isEmpty)
        #expect(keys.union(namedByConditions).subtracting(["job_id"]) == ProjectionStatements.jobIndexedColumns)
    }

    /// A rebuild writes with the projections' CHECK constraints off (its rows
    /// come from the fold); the connection it ran on has them again after it,
    /// so a live write of a bad row is refused.
    @Test func aRebuildLeavesTheChecksOn() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j", externalID: "ext-j"))
        _ = try await store.rebuild()
        await #expect(throws: (any Error).self) {
            try await store.write { db in try db.execute(sql: "UPDATE projection_jobs SET status = 'lost' WHERE job_id = 'j'") }
        }
    }

    /// The same when the rebuild fails: an event this build cannot read
    /// (appended as the next link, as a damaged copy could hold one) stops it,
    /// and the writer it ran on still refuses a bad row.
    @Test func aFailedRebuildLeavesTheChecksOn() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j", externalID: "ext-j"))
        try await store.write { db in
            let last = try #require(try Row.fetchOne(db, sql: "SELECT position, stream, version, hash FROM events ORDER BY position DESC LIMIT 1"))
            let digest = String(repeating: "0", count: 64)
            try db.execute(sql: """
                INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256, metadata,
                                    idempotency_key, prev_hash, hash)
                VALUES (?, ?, ?, 'job.submitted', 1, '2026-12-06T00:00:00.000Z', '{}', ?, '{"actor":"test"}', NULL, ?, ?)
                """, arguments: [(last["position"] as Int64) + 1, last["stream"] as String, (last["version"] as Int64) + 1,
                                 digest, last["hash"] as String, digest])
        }
        await #expect(throws: (any Error).self) { _ = try await store.rebuild() }
        await #expect(throws: (any Error).self) {
            try await store.write { db in try db.execute(sql: "UPDATE projection_jobs SET status = 'lost' WHERE job_id = 'j'") }
        }
    }
}
