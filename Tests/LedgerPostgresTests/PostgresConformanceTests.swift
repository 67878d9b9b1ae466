import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// The PostgreSQL engine against the suite every engine must pass, each
/// check on a fresh database of a throwaway server.
@Suite struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.logChecks)
    func logConforms(_ check: StoreConformance.Check<any EventStore>) async throws {
        try await check.run { try await PostgresEventStore.open(url: try ThrowawayPostgres.shared().newDatabase()) }
    }

    @Test(arguments: StoreConformance.engineChecks)
    func engineConforms(_ check: StoreConformance.Check<any LedgerEngine>) async throws {
        try await check.run { try await PostgresEventStore.open(url: try ThrowawayPostgres.shared().newDatabase()) }
    }

    /// Two nodes on one database.
    @Test(arguments: StoreConformance.writerChecks)
    func writersConform(_ check: StoreConformance.Check<WriterPair>) async throws {
        try await check.run {
            let url = try ThrowawayPostgres.shared().newDatabase()
            return WriterPair(try await PostgresEventStore.open(url: url), try await PostgresEventStore.open(url: url))
        }
    }
}
