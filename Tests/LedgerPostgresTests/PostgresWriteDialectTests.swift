@testable import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// The PostgreSQL dialect under the write path written once (``GroupCommit``).
@Suite struct PostgresWriteDialectTests {
    @Test func aBatchDecidedAgainstAStaleHeadWritesNothing() async throws {
        let url = try ThrowawayPostgres.shared().newDatabase()
        let node = try await PostgresEventStore.open(url: url)
        let other = try await PostgresEventStore.open(url: url)
        try await StoreConformance.staleBatchWritesNothing(node.writer.dialect, store: other)
    }
}
