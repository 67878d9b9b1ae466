import LedgerCore
@testable import LedgerSQLite
@testable import LedgerStore
import LedgerTesting
import Synchronization
import Testing

/// A batch decided under the chain lock is decided on the task that holds the
/// connection; a deadline answers the writer while that decision may still be
/// running. The writer must not go on (to the next batch, the same cache)
/// until it has ended.
@Suite struct LockedDecisionTests {
    @Test func aWriterAnsweredByADeadlineWaitsForItsLockedDecisionToEnd() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let dialect = AbandoningDialect(base: store.writer.dialect)
        let writer = GroupCommit(dialect: dialect, options: StoreOptions())
        var answer = "committed"
        do { _ = try await writer.execute(Fixtures.register("j1")) } catch { answer = "\(error)" }
        #expect(answer.contains("did not answer within"), "the abandoned batch is answered retry later: \(answer)")
        #expect(dialect.decisionEnded.withLock { $0 }, "the writer went on while its decision was still running")
        await writer.close()
        await store.close()
    }

    /// A decision that never ends (a read on a connection no one answers) does not
    /// stop the writer: past the bound it is left behind, said not ended.
    @Test func aDecisionThatNeverEndsIsLeftAfterTheBound() async throws {
        let locked = LockedDecision<Int>()
        try locked.begin()
        let started = ContinuousClock.now
        let (decided, ended) = await locked.close(waitingAtMost: .milliseconds(200))
        #expect(decided == nil && !ended && ContinuousClock.now - started < .seconds(5))
        locked.end(7)
    }

    @Test func aDecisionNotBegunWhenClosedNeverBegins() async throws {
        let locked = LockedDecision<Int>()
        #expect(await locked.close(waitingAtMost: .seconds(1)) == (nil, true))
        #expect(throws: CancellationError.self) { try locked.begin() }
    }
}

/// Conflicts on every optimistic commit (so the writer turns to the lock), then
/// answers the locked commit "retry later" as a deadline would, once its
/// decision has begun, and lets that decision go on with a slow read.
private final class AbandoningDialect<Base: WriteDialect>: WriteDialect, Sendable {
    let base: Base
    let decisionEnded = Mutex(false)
    private let decisionBegun = Mutex(false)

    init(base: Base) { self.base = base }

    func head(queuedSince: ContinuousClock.Instant) async throws -> HeadState { try await base.head(queuedSince: queuedSince) }
    func moved(since known: ChainHead, queuedSince: ContinuousClock.Instant) async throws -> HeadMove? {
        try await base.moved(since: known, queuedSince: queuedSince)
    }
    func loader(queuedSince: ContinuousClock.Instant) -> any ReadLoader { base.loader(queuedSince: queuedSince) }
    func commit(_ batch: PreparedBatch) async throws -> CommitAnswer {
        .headMoved(HeadMove(head: try await base.head(queuedSince: .now), foreign: []))
    }
    var holdsLockWhileDeciding: Bool { true }

    func commitHoldingLock(known: ChainHead, fence: Lease?, queuedSince: ContinuousClock.Instant,
                           decide: @escaping @Sendable (HeadMove?, any ReadLoader) async throws -> PreparedBatch?) async throws -> CommitAnswer {
        let slow = SlowLoader(base: base.loader(queuedSince: queuedSince), begun: { [self] in decisionBegun.withLock { $0 = true } })
        Task {
            _ = try? await decide(nil, slow)
            decisionEnded.withLock { $0 = true }
        }
        for _ in 0..<500 where !decisionBegun.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
        throw StoreError.storageUnavailable("PostgreSQL did not answer within 30 s")
    }
}

private struct SlowLoader: ReadLoader {
    let base: any ReadLoader
    let begun: @Sendable () -> Void

    func load(_ reads: ReadSet) async throws -> ReadAnswers {
        begun()
        try await Task.sleep(for: .milliseconds(300))
        return try await base.load(reads)
    }
}
