import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The SQLite engine against the suite every engine must pass.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.logChecks)
    func logConforms(_ check: StoreConformance.Check<any EventStore>) async throws {
        try await check.run { try SQLiteEventStore(path: Fixtures.temporaryDatabasePath()) }
    }

    @Test(arguments: StoreConformance.engineChecks)
    func engineConforms(_ check: StoreConformance.Check<any LedgerEngine>) async throws {
        try await check.run { try SQLiteEventStore(path: Fixtures.temporaryDatabasePath()) }
    }

    /// Two processes' writers on one file (a `serve` and a cron command).
    @Test(arguments: StoreConformance.writerChecks)
    func writersConform(_ check: StoreConformance.Check<WriterPair>) async throws {
        try await check.run {
            let path = Fixtures.temporaryDatabasePath()
            return WriterPair(try SQLiteEventStore(path: path), try SQLiteEventStore(path: path))
        }
    }
}
