import Foundation
import LedgerCore
@testable import LedgerPostgres
import _ConnectionPoolModule
import LedgerStore
import LedgerTesting
import Testing

/// The PostgreSQL dialect under the write path written once (``GroupCommit``).
@Suite struct PostgresWriteDialectTests {
    /// A job's row is rewritten at nearly every commit with its indexed
    /// columns unchanged: `projection_jobs` leaves room on its pages so those
    /// updates can stay heap-only (migration v11).
    @Test func jobRowsLeaveRoomOnTheirPages() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let node = try await PostgresEventStore.open(url: server.url(database: database))
        defer { Task { await node.close() } }
        let options = try server.psql("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'projection_jobs'",
                                      database: database)
        #expect(options.trimmingCharacters(in: .whitespacesAndNewlines) == "fillfactor=70")
    }

    @Test func aBatchDecidedAgainstAStaleHeadWritesNothing() async throws {
        let url = try ThrowawayPostgres.shared().newDatabase()
        let node = try await PostgresEventStore.open(url: url)
        let other = try await PostgresEventStore.open(url: url)
        try await StoreConformance.staleBatchWritesNothing(node.writer.dialect, store: other)
    }

    /// A batch is acknowledged only once its commit is: the rows of an
    /// autocommit statement come back before its commit, which can still fail
    /// (here a deferred trigger refuses it; in the fault campaign the server was
    /// stopped in between, and an acknowledged completion was lost).
    @Test func aBatchWhoseCommitFailsIsNotAcknowledged() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let node = try await PostgresEventStore.open(url: server.url(database: database))
        defer { Task { await node.close() } }
        _ = try await node.append(StoreConformance.plain("kept", count: 1))
        try server.psql("""
            CREATE FUNCTION refuse_doomed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'doomed at commit'; END $$;
            CREATE CONSTRAINT TRIGGER refuse_doomed AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.stream = 'doomed') EXECUTE FUNCTION refuse_doomed();
            """, database: database)

        // The client reads the rows and the commit's failure in one read, and postgres-nio saw them
        // either way round: without the mend, each try was acknowledged about half the time.
        for _ in 1...6 {
            await #expect(throws: (any Error).self) { _ = try await node.append(StoreConformance.plain("doomed", count: 1)) }
        }
        #expect(try await node.head().position == 1)
        _ = try await node.append(StoreConformance.plain("again", count: 1))
        let all = try await node.events(after: 0, limit: 10)
        #expect(all.map(\.stream) == ["kept", "again"] && all[1].prevHash == all[0].hash)
    }

    /// A ledger from before v12 (its group commits an autocommit SELECT) gets
    /// the procedure at its first open by this version, and writes on through it.
    @Test func aLedgerFromBeforeTheProcedureGetsItWhenOpened() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let old = try await PostgresEventStore.open(url: server.url(database: database))
        _ = try await old.append(StoreConformance.plain("before", count: 3))
        await old.close()
        try server.psql("""
            DROP PROCEDURE ledger_append_batch_durably;
            DELETE FROM ledger_migrations WHERE identifier = 'v12-durable-append';
            """, database: database)
        let node = try await PostgresEventStore.open(url: server.url(database: database))
        defer { Task { await node.close() } }
        _ = try await node.append(StoreConformance.plain("after", count: 2))
        #expect(try await node.head().position == 5)
        #expect(try await node.verify().isSound)
        let procedures = try server.psql("SELECT count(*) FROM pg_proc WHERE proname = 'ledger_append_batch_durably'", database: database)
        #expect(procedures.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
    }

    /// The events that moved the head come back with the answer while their
    /// bodies come to 64 MB at most; past that none, and the node reads the
    /// log itself (an answer aggregated whole failed past PostgreSQL's
    /// 256 MB jsonb limit, a 500 for a node that had been idle while another
    /// stored large webhooks).
    @Test func eventsPastTheAnswersSizeCapAreNotPassedBack() async throws {
        let (node, other) = try await twoNodes()
        defer { Task { await node.close(); await other.close() } }
        _ = try await other.append(StoreConformance.plain("s", count: 1))
        let first = try await other.events(after: 0, limit: 1)[0]
        let stale = ChainHead(position: first.position, hash: first.hash)
        let megabyte = String(repeating: "x", count: 1 << 20)
        for round in 0..<10 {
            let large = (0..<7).map { index in
                NewEvent(.operatorAction(OperatorAction(operatorName: "ops", action: "note", reason: "\(round).\(index) " + megabyte)),
                         metadata: Fixtures.app)
            }
            _ = try await other.append(AppendRequest(stream: "large-\(round)", events: large))
        }
        guard case .headMoved(let move) = try await node.writer.dialect.commit(StoreConformance.batch(after: stale)) else {
            Issue.record("a batch decided against a stale head was not refused")
            return
        }
        #expect(move.head.head.position == 71 && move.foreign == nil, "\(move.head.head.position) \(move.foreign?.count ?? -1)")
        _ = try await node.append(StoreConformance.plain("after", count: 1))
        #expect(try await node.head().position == 72)
    }

    /// A movable batch is placed after another node's events when none of
    /// them touched what it read: positions shift, and the hashes the
    /// database recomputes are the ones the node's ChainHasher computes, for
    /// every kind of text a row may hold.
    @Test func aMovableBatchIsPlacedAfterEventsThatDidNotTouchItsReads() async throws {
        let (node, other) = try await twoNodes()
        _ = try await other.append(StoreConformance.plain("a", count: 2))
        let stale = try await firstHead(of: other)
        var generator = SeededGenerator(seed: 7)
        let batch = Self.movableBatch(after: stale, reading: ["x"], count: 40, using: &generator)
        guard case .rebased(let rebased, _) = try await node.writer.dialect.commit(batch) else {
            throw ConformanceFailure("expected the batch to be placed after the other node's event")
        }
        #expect(rebased.shift == 1 && rebased.move.foreign?.map(\.position) == [2])
        let stored = try await other.events(after: 0, limit: 100)
        #expect(stored.map(\.position) == Array(1...42))
        var previous = ChainHead.genesis.hash
        for event in stored {
            #expect(event.prevHash == previous && ChainHasher.hash(of: event) == event.hash, "chain at \(event.position)")
            previous = event.hash
        }
        #expect(rebased.head == ChainHead(position: 42, hash: previous))
        #expect(try await other.verify().findings.allSatisfy { $0.check == "invariant" }, "the chain verifies")
    }

    @Test func aBatchWhoseReadsTheOtherNodeTouchedIsDecidedAgain() async throws {
        let (node, other) = try await twoNodes()
        _ = try await other.append(StoreConformance.plain("a", count: 2))
        let stale = try await firstHead(of: other)
        var generator = SeededGenerator(seed: 8)
        let touched = Self.movableBatch(after: stale, reading: ["a"], count: 1, using: &generator)
        guard case .headMoved = try await node.writer.dialect.commit(touched) else {
            throw ConformanceFailure("a batch that read a stream the other node appended to was moved")
        }
        var earlier = Self.movableBatch(after: stale, reading: ["x"], count: 1, using: &generator)
        earlier.events = [Self.row(earlier.events[0], recordedAt: "1970-01-01T00:00:00.000Z", after: stale.hash)]
        earlier.rebase?.timeFlexible = false
        guard case .headMoved = try await node.writer.dialect.commit(earlier) else {
            throw ConformanceFailure("a batch recorded before the head's time, with a registration, was moved after it")
        }
        #expect(try await other.head().position == 2, "nothing written")
    }

    /// A batch decided before the other node's events were recorded is
    /// stored at their time: time order and position order still agree.
    @Test func aMovedBatchDecidedEarlierIsStoredAtTheHeadsTime() async throws {
        let (node, other) = try await twoNodes()
        _ = try await other.append(StoreConformance.plain("a", count: 2))
        let stored = try await other.events(after: 0, limit: 10)
        let stale = ChainHead(position: stored[0].position, hash: stored[0].hash)
        var generator = SeededGenerator(seed: 9)
        var earlier = Self.movableBatch(after: stale, reading: ["x"], count: 1, using: &generator)
        earlier.events = [Self.row(earlier.events[0], recordedAt: "1970-01-01T00:00:00.000Z", after: stale.hash)]
        guard case .rebased(let rebased, _) = try await node.writer.dialect.commit(earlier) else {
            throw ConformanceFailure("expected the batch to be moved after the other node's event, at its time")
        }
        #expect(rebased.raisedTo?.iso8601 == stored[1].recordedAt)
        let all = try await other.events(after: 0, limit: 10)
        #expect(all.map(\.recordedAt) == all.map(\.recordedAt).sorted() && all[2].recordedAt == stored[1].recordedAt)
        #expect(ChainHasher.hash(of: all[2]) == all[2].hash && all[2].prevHash == all[1].hash)
    }

    private func twoNodes() async throws -> (PostgresEventStore, PostgresEventStore) {
        let url = try ThrowawayPostgres.shared().newDatabase()
        return (try await PostgresEventStore.open(url: url), try await PostgresEventStore.open(url: url))
    }

    private func firstHead(of store: PostgresEventStore) async throws -> ChainHead {
        let first = try #require(try await store.events(after: 0, limit: 1).first)
        return ChainHead(position: first.position, hash: first.hash)
    }

    /// `count` events on streams named with every printable character a
    /// stream may hold, some with idempotency keys, chained after `head`.
    static func movableBatch(after head: ChainHead, reading streams: [String], count: Int,
                             using generator: inout SeededGenerator) -> PreparedBatch {
        var batch = PreparedBatch(expected: head)
        var previous = head
        let printable = (0x21...0x7E).map { Character(UnicodeScalar(UInt8($0))) }
        for index in 0..<count {
            let stream = "s-" + String((0..<Int.random(in: 1...12, using: &generator)).map { _ in printable.randomElement(using: &generator)! })
            let action = OperatorAction(operatorName: "öps ✓ \(index)", action: "note", reason: "reason \"\(index)\"\n\\")
            let event = RecordedEvent(position: previous.position + 1, stream: stream + "-\(index)", version: 1,
                                      event: .operatorAction(action), recordedAt: Timestamp(millisecondsSinceEpoch: 4_102_444_800_000),
                                      metadata: Fixtures.app)
            let key = index % 3 == 0 ? "key-\(index)-" + String(printable.shuffled(using: &generator).prefix(20)) : nil
            let row = StoredEvent(chaining: event, after: previous.hash, idempotencyKey: key, codec: EventCodec())
            batch.events.append(row)
            previous = ChainHead(position: row.position, hash: row.hash)
        }
        batch.rebase = PreparedBatch.Rebase(readStreams: streams, readsAbsentFacts: false, timeFlexible: true)
        return batch
    }

    static func row(_ event: StoredEvent, recordedAt: String, after previous: String) -> StoredEvent {
        var row = event
        row.recordedAt = recordedAt
        row.prevHash = previous
        row.hash = ChainHasher.hash(of: row)
        return row
    }

    /// An attempt's outcome can arrive in a later call than the attempt
    /// (an import's batch ending between the two): the later call's
    /// `settlements` settle the row the earlier one wrote, and nothing else.
    @Test func aSettlementInALaterCallSettlesTheAttemptWrittenBefore() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        await (try await PostgresEventStore.open(url: server.url(database: database))).close()
        let attempts = (7...8).map { position in
            """
            {"position":\(position),"attempted_at":"2026-12-06T10:00:00.000Z","job_id":"j1","notification_id":"n\(position)",\
            "event":"job.completed","attempt":1,"outcome":"failing","http_status":500,"error":null,"latency_ms":12}
            """
        }
        let settlement = #"{"settlements":[{"position":7,"notification_id":"n7","outcome":"delivered"}]}"#
        let outcomes = try server.psql("""
            SELECT ledger_write_projections('[]', '{"attempts":[\(attempts.joined(separator: ","))]}');
            SELECT ledger_write_projections('[]', '\(settlement)');
            SELECT position || ' ' || outcome FROM projection_notification_attempts ORDER BY position
            """, database: database)
        #expect(outcomes.split(separator: "\n").suffix(2) == ["7 delivered", "8 failing"], "\(outcomes)")
    }
}

/// What the client library's own failures mean to an operator.
@Suite struct PostgresErrorMeaningTests {
    /// After an outage the pool refuses requests for a while once new
    /// connections kept failing: "retry later" in words, not an internal
    /// type asking for a bug report (as `/readyz` answered for 10-24 s).
    @Test func aTrippedConnectionCircuitBreakerIsAPassingOutage() {
        let error = StoreError.fromPostgres(ConnectionPoolError.connectionCreationCircuitBreakerTripped)
        guard case .storageUnavailable(let detail) = error else {
            Issue.record("\(error)")
            return
        }
        #expect(detail.contains("PostgreSQL cannot be reached") && !detail.contains("ConnectionPoolError"))
    }
}
