import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// The PostgreSQL engine against the suite every engine must pass, each
/// check on a fresh database of a throwaway server.
@Suite struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.logChecks)
    func logConforms(_ check: StoreConformance.Check<any EventStore>) async throws {
        let opened = OpenedEngines()
        try await opened.closing { try await check.run { try await opened.open() } }
    }

    @Test(arguments: StoreConformance.engineChecks)
    func engineConforms(_ check: StoreConformance.Check<any LedgerEngine>) async throws {
        let opened = OpenedEngines()
        try await opened.closing { try await check.run { try await opened.open() } }
    }

    /// Two nodes on one database.
    @Test(arguments: StoreConformance.writerChecks)
    func writersConform(_ check: StoreConformance.Check<WriterPair>) async throws {
        let opened = OpenedEngines()
        try await opened.closing {
            try await check.run {
                let url = try ThrowawayPostgres.shared().newDatabase()
                return WriterPair(try await opened.open(url), try await opened.open(url))
            }
        }
    }
}

/// The engines one check opened, closed when it ends: each holds a listening
/// connection and a pool, and many checks run at once (more on more cores).
actor OpenedEngines {
    private var engines: [PostgresEventStore] = []

    func open(_ url: String? = nil) async throws -> PostgresEventStore {
        let engine = try await PostgresEventStore.open(url: try url ?? ThrowawayPostgres.shared().newDatabase())
        engines.append(engine)
        return engine
    }

    nonisolated func closing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await closeAll()
            throw error
        }
        await closeAll()
    }

    private func closeAll() async {
        for engine in engines { await engine.close() }
        engines = []
    }
}
