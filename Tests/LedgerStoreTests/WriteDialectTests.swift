@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The SQLite dialect under the write path written once (``GroupCommit``).
@Suite struct SQLiteWriteDialectTests {
    @Test func aBatchDecidedAgainstAStaleHeadWritesNothing() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let writer = try SQLiteEventStore(path: path)
        // Another process's writer on the same file (its own connection, so `data_version` tells).
        let store = try SQLiteEventStore(path: path)
        try await StoreConformance.staleBatchWritesNothing(writer.writer.dialect, store: store)
    }

    /// The prefetch foresees every read a request makes: a random workload
    /// (orphans, adoptions, refusals, repeats) is decided without one request
    /// decided again for a read it had not loaded.
    @Test func theHandlersReadsAreAllLoadedBeforeDeciding() async throws {
        var generator = SeededGenerator(seed: 21)
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(durability: .normal))
        let requests = RandomWorkload(jobCount: 30, stepsPerJob: 12).requests(using: &generator)
        for chunk in stride(from: 0, to: requests.count, by: 24).map({ Array(requests[$0..<min($0 + 24, requests.count)]) }) {
            await withTaskGroup(of: Void.self) { group in
                for request in chunk { group.addTask { _ = try? await store.execute(request) } }
            }
        }
        let statistics = store.batchStatistics
        #expect(statistics.requests > 300 && statistics.decideReads > 0)
        #expect(statistics.rereads == 0, "requests decided again for a read not loaded: \(statistics.rereads)")
    }
}
