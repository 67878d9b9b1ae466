import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct ReadOnlyQueryTests {
    func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j", cost: 10))
        return path
    }

    @Test func selectsWork() async throws {
        let result = try ReadOnlyQuery(path: try await ledger()).run("SELECT job_id, cost FROM jobs")
        #expect(result.columns == ["job_id", "cost"] && result.rows == [["j", "10"]])
    }

    @Test(arguments: [
        "DELETE FROM events", "UPDATE projection_jobs SET cost = 0", "INSERT INTO ledger_settings VALUES ('a', 'b')",
        "DROP TABLE events", "ATTACH DATABASE '/tmp/x.sqlite' AS x", "PRAGMA journal_mode = DELETE",
        "PRAGMA writable_schema = 1", "CREATE TABLE t (a)", "SELECT 1; DELETE FROM events",
        "SELECT load_extension('x')",
    ])
    func hostileSQLIsRefusedAndChangesNothing(_ sql: String) async throws {
        let path = try await ledger()
        #expect(throws: ReadOnlyQuery.Failure.self) { try ReadOnlyQuery(path: path).run(sql) }
        let count = try ReadOnlyQuery(path: path).run("SELECT count(*) FROM events").rows
        #expect(count == [["1"]])
    }

    @Test func aRunawayRecursiveQueryIsStoppedByItsTimeBudget() async throws {
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
        let path = try await ledger()
        let started = Date()
        #expect(throws: ReadOnlyQuery.Failure.timedOut(milliseconds: 200)) {
            try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 200).run(sql)
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func schemaIntrospectionIsAllowed() async throws {
        let result = try ReadOnlyQuery(path: try await ledger()).run("PRAGMA table_info(events)")
        #expect(result.rows.count == 12)
    }
}

@Suite struct TransferTests {
    @Test func anExportImportsIntoAnEmptyLedgerWithTheSameChainAndProjections() async throws {
        let source = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        var generator = SeededGenerator(seed: 3)
        for request in RandomWorkload(jobCount: 5).requests(using: &generator) { _ = try? await source.execute(request) }
        let lines = try await exportLines(source)
        let target = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        #expect(try await target.importEvents(lines: lines) == Int64(lines.count))
        #expect(try await target.head() == source.head())
        #expect(try await target.verify().isSound)
        #expect(try await target.rebuildCheck().matches)
        #expect(try await target.job("job_1").map(JobSnapshot.init) == source.job("job_1").map(JobSnapshot.init))
    }

    @Test func aTamperedLineRejectsTheWholeImport() async throws {
        let source = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await source.execute(Fixtures.register("j", cost: 10))
        _ = try await source.execute(Fixtures.register("k", cost: 10))
        var lines = try await exportLines(source)
        lines[1] = lines[1].replacingOccurrences(of: #"\"cost\":10"#, with: #"\"cost\":0"#)
        let target = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        await #expect(throws: StoreError.importRejected(line: 2, detail: "position 2: data does not match its recorded data_sha256 (the body was modified)")) {
            try await target.importEvents(lines: lines)
        }
        #expect(try await target.head() == .genesis)
    }

    func exportLines(_ store: SQLiteEventStore) async throws -> [String] {
        let file = Fixtures.temporaryDatabasePath("export.jsonl")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        _ = try await store.export(after: 0, to: handle)
        try handle.close()
        return try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
