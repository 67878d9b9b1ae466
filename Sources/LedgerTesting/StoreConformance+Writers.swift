import LedgerCore
import LedgerStore

/// Two writers on one database: two nodes on one PostgreSQL database, or a
/// `serve` and a cron command on one SQLite file.
public struct WriterPair: Sendable {
    public let first: any LedgerEngine
    public let second: any LedgerEngine

    public init(_ first: any LedgerEngine, _ second: any LedgerEngine) {
        self.first = first
        self.second = second
    }
}

extension StoreConformance {
    /// Each writer decides against what it holds in memory and commits only
    /// if nobody appended since: these checks make the other writer append
    /// in between, so every decision a stale cache would get wrong is tried.
    public static let writerChecks: [Check<WriterPair>] = [
        Check(name: "a writer whose cache is stale decides on what the other committed: one refund") { pair in
            _ = try await pair.first.execute(Fixtures.register("j", cost: 30, externalID: "x"))
            _ = try await pair.first.execute(Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "p1")))
            _ = try await pair.second.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "f1")))
            let late = try await pair.first.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "f2")))
            try expect(late.appended.map(\.type) == [.webhookReceived], "a second failure decides nothing: \(late.appended)")
            let refunds = try await pair.first.events(inStream: "job-j").filter { $0.type == EventType.creditRefunded.rawValue }
            try expect(refunds.count == 1, "refunded \(refunds.count) times")
            try expect(try await pair.first.verify().isSound, "the chain and the invariants hold")
        },
        Check(name: "an external id the other writer gave a job is taken") { pair in
            _ = try await pair.first.execute(Fixtures.register("b"))
            _ = try await pair.second.execute(Fixtures.register("a", externalID: "x"))
            do {
                _ = try await pair.first.execute(Fixtures.submit("b", "x"))
                throw ConformanceFailure("expected externalIDTaken")
            } catch StoreError.externalIDTaken(_, _, let owner) {
                try expect(owner == "a", "owned by a, not \(owner)")
            }
        },
        Check(name: "an orphan the other writer kept is adopted") { pair in
            _ = try await pair.first.execute(Fixtures.register("c", cost: 5))
            _ = try await pair.second.execute(Fixtures.deliver(Fixtures.webhook("y", .completed, delivery: "o1")))
            let submitted = try await pair.first.execute(Fixtures.submit("c", "y"))
            try expect(submitted.appended.map(\.type) == [.jobSubmitted, .webhookReceived, .jobCompleted], "\(submitted.appended)")
            let again = try await pair.second.execute(Fixtures.deliver(Fixtures.webhook("y", .completed, delivery: "o1")))
            try expect(again.duplicate && again.jobID == "c", "the repeat reaches the job as a duplicate")
        },
        Check(name: "an idempotency key the other writer used answers its original") { pair in
            let request = AppendRequest(stream: "s", events: plainEvents(2), idempotencyKey: "k")
            _ = try await pair.first.append(plain("s", count: 1))
            let original = try await pair.second.append(request)
            let again = try await pair.first.append(request)
            try expect(again.alreadyExisted && again.firstPosition == original.firstPosition, "the original's positions")
            let next = try await pair.first.append(AppendRequest(stream: "s", expected: .exactly(3), events: plainEvents(1)))
            try expect(next.firstPosition == 4, "the stream's version and the head caught up")
        },
        Check(name: "a report in conflict decided before the other writer appended is listed at its own position") { pair in
            _ = try await pair.first.execute(Fixtures.register("j", cost: 5, externalID: "x"))
            _ = try await pair.first.execute(Fixtures.deliver(Fixtures.webhook("x", .completed, delivery: "c1")))
            _ = try await pair.second.execute(Fixtures.register("k", cost: 1))
            // Decided on a head that moved, reading a stream the other writer did not touch.
            let report = try await pair.first.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "f1")))
            let stored = try await pair.first.events(inStream: "job-j").last
            let conflicts = try await pair.first.table(.audit(.conflicts, from: nil, to: nil, limit: 10))
            try expect(conflicts.records.map { $0["position"] } == [stored.map { String($0.position) }],
                       "the conflict at \(stored?.position ?? 0): \(conflicts.rows); \(report.appended)")
            try expect(try await pair.second.rebuildCheck().matches, "the projections equal a rebuild")
        },
        Check(name: "writers appending in turn keep one gap-free chain") { pair in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    let writer = index % 2 == 0 ? pair.first : pair.second
                    group.addTask { _ = try await writer.execute(Fixtures.register("r\(index)", cost: 3, externalID: "e\(index)")) }
                }
                try await group.waitForAll()
            }
            let all = try await pair.first.events(after: 0, limit: 1_000)
            try expect(all.map(\.position) == Array(1...Int64(all.count)) && all.count == 60, "60 positions without gaps")
            try expect(try await pair.second.verify().isSound, "the chain verifies")
            try expect(try await pair.second.rebuildCheck().matches, "the projections equal a rebuild")
        },
    ]
}

extension StoreConformance {
    /// A dialect's side of the bargain: a batch decided against a head that
    /// is no longer the head writes nothing, and the answer carries what
    /// moved it. `store` writes through `dialect`'s database and starts empty.
    /// One event decided against `head`, the next position after it.
    public static func batch(after head: ChainHead) -> PreparedBatch {
        var batch = PreparedBatch(expected: head)
        let late = RecordedEvent(position: head.position + 1, stream: "late", version: 1, event: plainEvents(1)[0].event,
                                 recordedAt: Timestamp(millisecondsSinceEpoch: 0), metadata: Fixtures.app)
        batch.events = [StoredEvent(chaining: late, after: head.hash, idempotencyKey: nil, codec: EventCodec())]
        return batch
    }

    public static func staleBatchWritesNothing(_ dialect: some WriteDialect, store: any EventStore) async throws {
        _ = try await store.append(plain("s", count: 2))
        let events = try await store.events(after: 0, limit: 10)
        let stale = ChainHead(position: events[0].position, hash: events[0].hash)
        guard case .headMoved(let move) = try await dialect.commit(batch(after: stale)) else {
            throw ConformanceFailure("a batch decided against a stale head was not refused")
        }
        try expect(move.head.head == ChainHead(position: events[1].position, hash: events[1].hash), "the head that moved it")
        try expect(move.foreign?.map(\.position) == [2], "the events since the stale head")
        try expect(try await store.events(after: 0, limit: 10) == events, "nothing written")
        try expect(try await dialect.moved(since: stale, queuedSince: .now)?.head.head.position == 2, "moved(since:) agrees")
        try expect(try await dialect.moved(since: move.head.head, queuedSince: .now) == nil, "nothing moved since the head")
    }
}
