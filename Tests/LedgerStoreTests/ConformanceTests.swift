import LedgerStore
import LedgerTesting
import Testing

/// The SQLite backend against the suite every backend must pass.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: StoreConformance.Check) async throws {
        try await check.run { try SQLiteEventStore(path: Fixtures.temporaryDatabasePath()) }
    }
}
