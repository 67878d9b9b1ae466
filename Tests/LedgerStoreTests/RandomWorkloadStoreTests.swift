import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The heart of the design under random concurrent load: the store keeps the
/// invariants, `rebuild --check` matches, and folding the stored log gives
/// the live projection.
@Suite struct RandomWorkloadStoreTests {
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func randomConcurrentWorkloadKeepsEveryInvariant(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        let policy: LateCompletionPolicy = seed % 2 == 0 ? .keepRefund : .recharge
        var options = StoreOptions(durability: .normal, lateCompletionPolicy: policy)
        options.rebuildParallelEventCountMin = seed % 2 == 0 ? 0 : .max  // both the split and the single fold
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
        let requests = RandomWorkload(jobCount: 40, stepsPerJob: 10).requests(using: &generator)
        // Chunks run concurrently, so requests interleave inside group commits.
        for chunk in stride(from: 0, to: requests.count, by: 16).map({ Array(requests[$0..<min($0 + 16, requests.count)]) }) {
            await withTaskGroup(of: Void.self) { group in
                for request in chunk { group.addTask { _ = try? await store.execute(request) } }
            }
        }
        let report = try await store.verify()
        #expect(report.isSound, "seed \(seed): \(report.findings)")
        let check = try await store.rebuildCheck()
        #expect(check.matches, "seed \(seed): \(check.differences)")
        for index in 0..<40 {
            let jobID = "job_\(index)"
            let stream = try await store.events(inStream: StreamName.job(jobID)).map { try $0.decoded() }
            let folded = JobState.fold(jobID: jobID, stream)
            let live = try #require(try await store.job(jobID))
            #expect(JobSnapshot(folded) == JobSnapshot(live), "seed \(seed) \(jobID)")
        }
    }

    @Test func rebuildReplacesDamagedProjections() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(durability: .normal))
        var generator = SeededGenerator(seed: 5)
        for request in RandomWorkload(jobCount: 10).requests(using: &generator) { _ = try? await store.execute(request) }
        let raw = try DatabaseQueue(path: path)
        try await raw.write { try $0.execute(sql: "UPDATE projection_accounts SET refunded = refunded + 1") }
        let damaged = try await store.rebuildCheck()
        #expect(damaged.differences["projection_accounts"] != nil)
        #expect(try await store.verify().findings.contains { $0.detail.contains("balance differs") })
        _ = try await store.rebuild()
        #expect(try await store.rebuildCheck().matches)
    }
}
