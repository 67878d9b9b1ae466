import LedgerStore
import LedgerTesting
import Testing

/// The SQLite backend against the suite every backend must pass.
@Suite struct SQLiteConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conforms(_ check: StoreConformance.Check) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        try await check.run(store)
    }
}
