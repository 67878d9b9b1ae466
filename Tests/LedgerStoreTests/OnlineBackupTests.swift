import Foundation
import GRDB
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Catalogue entry 11: a backup taken while the ledger writes. The documented
/// ways (`VACUUM INTO`, SQLite's online backup) give a copy that is a
/// consistent prefix of the log: it opens, verifies, and its head is one the
/// live ledger passed through.
@Suite struct OnlineBackupTests {
    @Test func aBackupTakenDuringWritesIsAConsistentPrefixThatVerifies() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        let writing = Task {
            for index in 0..<300 {
                _ = try await store.execute(Fixtures.register("j\(index)", cost: 3, externalID: "x\(index)"))
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x\(index)", index % 3 == 0 ? .failed : .completed,
                                                                              delivery: "d\(index)")))
            }
        }
        var copies: [String] = []
        for round in 0..<2 {
            // Each backup after more commits landed (a loaded machine starts the writes late).
            let wanted = Int64(20 + 40 * round)
            for _ in 0..<400 where try await store.head().position < wanted { try await Task.sleep(for: .milliseconds(25)) }
            let copy = Fixtures.temporaryDatabasePath("backup-\(round).sqlite")
            try await DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
            copies.append(copy)
            let online = Fixtures.temporaryDatabasePath("online-\(round).sqlite")
            try DatabaseQueue(path: path).backup(to: DatabaseQueue(path: online))
            copies.append(online)
        }
        try await writing.value
        let live = try await store.events(after: 0, limit: 10_000)
        for copy in copies {
            let backup = try SQLiteEventStore(path: copy)
            let report = try await backup.verify()
            #expect(report.isSound, "\(copy): \(report.findings)")
            let copied = try await backup.events(after: 0, limit: 10_000)
            #expect(!copied.isEmpty && copied == Array(live.prefix(copied.count)), "\(copy) is a prefix of the live log")
        }
    }
}
