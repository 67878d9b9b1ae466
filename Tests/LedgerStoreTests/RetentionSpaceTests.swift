import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Bodies too large for their row's page live in overflow pages; redacting
/// them frees whole pages, and a new ledger file (incremental auto-vacuum)
/// gives those back to the file system during the retention run itself.
@Suite struct RetentionSpaceTests {
    @Test func aNewFileIsInIncrementalAutoVacuumMode() async throws {
        let path = Fixtures.temporaryDatabasePath()
        _ = try SQLiteEventStore(path: path)
        let mode = try await DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") }
        #expect(mode == 2, "2 is INCREMENTAL; 0 (NONE) would keep every freed page in the file")
    }

    /// `doctor` and the admin front page name a database that has too little
    /// room to grow, with the reserve `/readyz` keeps (they said nothing
    /// while a full disk had webhooks answered 503).
    @Test func tooLittleRoomToGrowIsAStorageFinding() async throws {
        var options = StoreOptions()
        options.readinessReserveBytes = Int64.max / 2
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
        defer { Task { await store.close() } }
        let findings = try await store.storageFindings()
        #expect(findings.contains { $0.summary.contains("under the \(Int64.max / 2)-byte reserve") && $0.command.contains("Disk full") },
                "\(findings)")
        await #expect(throws: StoreError.self) { try await store.probeWritable() }
    }

    @Test func redactedLargeBodiesGiveTheirPagesBack() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        let padding = String(repeating: "x", count: 16 << 10)
        for index in 0..<100 {
            _ = try await store.execute(Fixtures.register("j\(index)", externalID: "x\(index)"))
            var webhook = Fixtures.webhook("x\(index)", .completed, delivery: "d\(index)")
            webhook.body = #"{"id":"x\#(index)","status":"succeeded","logs":"\#(padding)"}"#
            webhook.bodySHA256 = ChainHasher.digest(webhook.body)
            _ = try await store.execute(Fixtures.deliver(webhook))
        }
        let before = try await Self.pages(store)
        let cutoff = Timestamp(millisecondsSinceEpoch: Timestamp(Date()).millisecondsSinceEpoch + 60_000)
        let report = try await store.retainBodies(RetentionRun(cutoff: cutoff, operatorName: "test"), dryRun: false)
        #expect(report.count == 100)
        let after = try await Self.pages(store)
        #expect(after.used * 3 < before.used, "1.6 MB of bodies no longer hold pages: \(before) before, \(after) after")
        // One step here (100 events): it gives back its share, the rest stays
        // free inside the file for the next appends.
        #expect(before.file - after.file >= 256, "pages given back to the file system: \(before) before, \(after) after")
        #expect(try await store.verify().isSound)
    }

    /// The file's pages, and those holding data (the rest are free).
    static func pages(_ store: SQLiteEventStore) async throws -> (file: Int, used: Int) {
        try await store.read { db in
            let file = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            return (file, file - (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0))
        }
    }
}
