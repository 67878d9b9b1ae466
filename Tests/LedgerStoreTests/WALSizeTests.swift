import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// An auditor holding a read transaction lets the WAL grow (no checkpoint can
/// pass its snapshot); once it leaves, the next writes give the space back
/// down to `walBytesRetainedMax`, and the sizes are there to watch.
@Suite struct WALSizeTests {
    @Test func theWALShrinksBackOnceALongReaderLeaves() async throws {
        let path = Fixtures.temporaryDatabasePath()
        var options = StoreOptions()
        options.walAutocheckpointPages = 100
        options.walBytesRetainedMax = 1 << 20
        let store = try SQLiteEventStore(path: path, options: options)
        _ = try await store.execute(Fixtures.register("first", externalID: "x0"))
        // An auditor's connection, another process's in real life, in a read transaction.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let auditor = try DatabaseQueue(path: path, configuration: configuration)
        try await auditor.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN")
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM events")
        }
        for index in 1...800 {
            _ = try await store.execute(Fixtures.register("j\(index)", externalID: "x\(index)"))
        }
        let grown = store.fileSizes().wal
        #expect(grown > 4 << 20, "the reader held the WAL: \(grown) bytes")
        try await auditor.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        for index in 801...900 {
            _ = try await store.execute(Fixtures.register("j\(index)", externalID: "x\(index)"))
        }
        let shrunk = store.fileSizes().wal
        #expect(shrunk <= (1 << 20) + (1 << 19), "back to the retained size after the reader left: \(shrunk) bytes (was \(grown))")
        let totals = try await store.totals()
        #expect(totals.walBytes == store.fileSizes().wal && totals.databaseBytes > 0)
        #expect(try await store.verify().isSound)
    }
}
