import LedgerStore
import LedgerTesting
import Testing
import LedgerSQLite

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
}
