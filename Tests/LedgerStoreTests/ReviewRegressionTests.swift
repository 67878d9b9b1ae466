import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Findings of the code reviews, each held by a test.
@Suite struct ReviewRegressionTests {
    @Test func aRawAppendOfJSONTooDeepToReadBackIsRefused() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        var deep = JSONValue.null
        for _ in 0..<70 { deep = .array([deep]) }
        let completed = JobCompleted(source: .manual, outputs: deep, evidencePosition: 1)
        await #expect(throws: StoreError.refused(.invalid("outputs is nested deeper than 32 levels"))) {
            try await store.append(AppendRequest(stream: "job-x", events: [NewEvent(.jobCompleted(completed), metadata: Fixtures.app)]))
        }
        #expect(try await store.head() == .genesis)
    }

    @Test func replayAsOfAnEarlierTimeIgnoresALaterUnreadableEvent() async throws {
        let clock = ManualClock()
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(clock: { clock.now }))
        _ = try await store.execute(Fixtures.register("j"))
        let head = try await store.head()
        // A later event of a type this build does not know, chained correctly.
        let future = StoredEvent(position: 2, stream: "job-j", version: 2, type: "job.teleported", schemaVersion: 1,
                                 recordedAt: "2026-11-23T11:00:00.000Z", data: "{}", dataSHA256: ChainHasher.digest("{}"),
                                 metadata: "{}", idempotencyKey: nil, prevHash: head.hash, hash: "")
        let hash = ChainHasher.hash(of: future)
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: """
                INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256, metadata,
                    idempotency_key, prev_hash, hash) VALUES (2, 'job-j', 2, 'job.teleported', 1, '2026-11-23T11:00:00.000Z',
                    '{}', ?, '{}', NULL, ?, ?)
                """, arguments: [future.dataSHA256, head.hash, hash])
        }
        let early = try await store.replay(jobID: "j", until: .asOf(Timestamp(iso8601: "2026-11-23T10:30:00Z")!))
        #expect(early?.steps.count == 1)
        await #expect(throws: StoreError.self) { try await store.replay(jobID: "j") }
    }

    @Test func aRebuildAcrossMoreOrphansThanOneChunkMatchesTheLiveTables() async throws {
        var options = StoreOptions(durability: .normal)
        options.rebuildParallelEventCountMin = 0
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: 2_200, by: 8) {
                        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("ext_\(index % 1_100)", .completed,
                                                                                      delivery: "d\(index)")))
                    }
                }
            }
            try await group.waitForAll()
        }
        _ = try await store.execute(Fixtures.register("j", externalID: "ext_7"))
        let check = try await store.rebuildCheck()
        #expect(check.matches, "\(check.differences)")
        #expect(check.eventsRead == 2_200 + 1 + 2 + 1)  // orphans, registration, the two adopted copies, completion
    }

    @Test func manyConcurrentReadsAllComplete() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j"))
        let heads = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<64 { group.addTask { try await store.head().position } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(heads.count == 64 && heads.allSatisfy { $0 == 1 })
    }
}
