import GRDB
import LedgerCore
import LedgerStore

/// `ledger verify`: recomputes the hash chain, checks that the immutability
/// triggers are the shipped ones, and checks the invariants of the ledger
/// straight from the log (not from the projections, which it does not trust).
struct Verifier {
    var progressEvery: Int64 = 100_000

    func run(_ db: Database, progress: (Int64) -> Void) throws -> VerificationReport {
        var report = try walk(db, progress: progress)
        try checkPages(db, &report)
        report.findings += try Self.triggerFindings(db)
        return report
    }

    /// SQLite's own page check (`PRAGMA quick_check`): a damaged page of an
    /// index or a projection table is found here even when every event still
    /// reads; nothing is repaired.
    private func checkPages(_ db: Database, _ report: inout VerificationReport) throws {
        let messages = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        guard messages != ["ok"] else { return }
        report.findings.append(.init(check: "pages", position: nil,
                                     detail: "SQLite reports damage: \(messages.joined(separator: "; ")); restore from a backup (docs/runbooks.md)"))
    }

    /// The log in position order through the one walk every engine shares:
    /// the chain, then the invariants.
    private func walk(_ db: Database, progress: (Int64) -> Void) throws -> VerificationReport {
        // By the (stream, version) index: a type filter would scan the whole log once more.
        let runs = try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selectColumns) FROM events WHERE stream = ? ORDER BY version",
                                    arguments: [RetentionRun.stream]).map(StoredEvent.init(row:))
        var walk = VerifyWalk(retentionRuns: runs, progressEvery: progressEvery)
        let recorded = try db.cachedStatement(sql: "SELECT data_sha256 FROM retention_redactions WHERE position = ?")
        walk.useRecordedRedactions { position in try? String.fetchOne(recorded, arguments: [position]) }
        let rows = try Row.fetchCursor(db, sql: "SELECT \(StoredEvent.selectColumns) FROM events ORDER BY position")
        while let row = try rows.next() { walk.visit(try StoredEvent(row: row), progress: progress) }
        return walk.finish(projectedBalances: try projectedBalances(db))
    }

    /// Each of the log's triggers that is not there, or not as shipped.
    static func triggerFindings(_ db: Database) throws -> [VerificationReport.Finding] {
        let expected = try shippedTriggers()
        let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        let actual = try Row.fetchAll(db, sql: sql).reduce(into: [String: String]()) { $0[$1[0]] = $1[1] }
        return expected.sorted(by: { $0.key < $1.key }).filter { actual[$0.key] != $0.value }.map { name, _ in
            .init(check: "triggers", position: nil,
                  detail: actual[name] == nil ? "trigger \(name) is missing" : "trigger \(name) was changed",
                  remedy: StoreError.unguardedLogRemedy)
        }
    }

    /// The triggers exactly as the shipped migration creates them.
    private static func shippedTriggers() throws -> [String: String] {
        let scratch = try DatabaseQueue()
        return try scratch.write { db in
            for migration in LedgerMigrations.all { try db.execute(sql: migration.sql) }
            let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
            return rows.reduce(into: [String: String]()) { $0[$1[0]] = $1[1] }
        }
    }

    /// Every account's balance as the projection holds it.
    private func projectedBalances(_ db: Database) throws -> [(account: String, moves: CreditMoves)] {
        try Row.fetchAll(db, sql: "SELECT account, charged, refunded, recharged FROM projection_accounts").map { row in
            (row["account"], CreditMoves(charged: row["charged"], refunded: row["refunded"], recharged: row["recharged"]))
        }
    }
}
