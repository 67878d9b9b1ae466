import Foundation
import LedgerCore

/// The write path, written once over a ``WriteDialect``: concurrent writes
/// queue up, and one drain takes everything queued (up to a maximum) as one
/// batch, shaped per batch rather than per request:
///
/// 1. **Prefetch.** Each request says what it reads (``CommandHandler/reads(_:known:)``);
///    what the writer's cache lacks is loaded for the whole batch, one read
///    per kind, before any lock.
/// 2. **Decide.** Each request is decided in order against the cache, at the
///    head the writer knows: routed, decided, chained, encoded, its projection
///    changes summed per key (``BatchAttempt``). No database is touched.
/// 3. **Commit.** One dialect call writes the batch if the head has not moved
///    (on PostgreSQL one statement: no client round trip while the chain lock
///    is held). If another writer moved it, the call answers with its events;
///    the cache is brought forward in place and the batch decided again.
///    After a conflict, a dialect that can hold the chain lock while deciding
///    does so for a while (``WriteDialect/holdsLockWhileDeciding``), so
///    nodes that keep colliding still make progress.
///
/// Each caller resumes only once its batch is durable. A refused request
/// fails alone; when the database itself fails a batch, its requests run
/// again one by one, so one bad request does not fail its neighbours.
///
/// ```swift
/// let writes = GroupCommit(dialect: dialect, options: options)
/// let outcome = try await writes.execute(.webhook(delivery, metadata: metadata))
/// ```
public final class GroupCommit<Dialect: WriteDialect>: @unchecked Sendable {
    public let dialect: Dialect
    /// Told which jobs each commit changed (long-polling readers wait on it).
    public let changes: ChangeSignals
    private let options: StoreOptions
    private let lock = NSLock()
    private var queue: [Queued] = []
    private var draining = false
    /// The drain running now, awaited by ``close()``.
    private var drainTask: Task<Void, Never>?
    private var closed = false
    private var committed = BatchStatistics()
    /// The drain's own: only the one running drain touches these.
    /// Replaced (not reset) only when a stale locked decision may still change it (``LockedDecision``).
    private var cache: WriteCache
    private var lockedBatchesLeft = 0
    /// Told the head's position after each commit that appended (the Merkle tree's follower).
    private var headMoved: (@Sendable (Int64) -> Void)?

    /// Prefetch rounds before deciding (a webhook needs two: its owner, then the owner's state).
    static var prefetchRoundsMax: Int { 4 }
    /// Conflicts one batch meets before it is decided under the chain lock
    /// (a batch that only met other writers' unrelated events was moved after
    /// them and committed: that is no conflict).
    static var conflictsBeforeLocking: Int { 3 }
    /// Batches decided under the chain lock after one needed it, before trying without it again.
    static var lockedBatchesAfterConflicts: Int { 8 }
    /// Conflicts one batch may meet before its requests fail as "retry later".
    static var conflictsPerBatchMax: Int { 50 }

    public init(dialect: Dialect, options: StoreOptions, changes: ChangeSignals = ChangeSignals()) {
        self.dialect = dialect
        self.options = options
        self.changes = changes
        cache = WriteCache(jobCountMax: options.jobCacheCountMax)
    }

    /// Calls `body` with the head's position after each commit that appends.
    public func onHeadMoved(_ body: @escaping @Sendable (Int64) -> Void) {
        lock.withLock { headMoved = body }
    }

    /// Decides `request` against the job's history and appends the fact with its decisions.
    public func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
        guard case .executed(let outcome) = try await write(.execute(request)) else { preconditionFailure("an execute's outcome") }
        return outcome
    }

    /// Appends to one stream atomically, checking the expected version and the idempotency key.
    public func append(_ request: AppendRequest) async throws(StoreError) -> AppendResult {
        guard case .appended(let result) = try await write(.append(request)) else { preconditionFailure("an append's result") }
        return result
    }

    /// Runs `body` alone, between batches: no write of this writer is in
    /// flight meanwhile (import, rebuild, retention, settings). Afterwards the
    /// writer reads the head and what it needs again, unless `keepsCache`: a
    /// change that moves no head and no job state (a redaction) keeps it,
    /// since dropping every cached state costs a pause that grows with the log.
    public func exclusive<T: Sendable>(keepsCache: Bool = false,
                                       _ body: @escaping @Sendable () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                enqueue(.operation(PendingOperation(keepsCache: keepsCache, run: {
                    do { continuation.resume(returning: try await body()) } catch { continuation.resume(throwing: error) }
                }, refuse: { error in continuation.resume(throwing: error) })))
            }
        } catch {
            throw StoreError.from(error)
        }
    }

    /// Group commits so far.
    public var statistics: BatchStatistics { lock.withLock { committed } }

    private func write(_ request: WriteRequest) async throws(StoreError) -> WriteOutcome {
        // Read on the caller's task: a background round's lease, checked in the commit.
        let fence = Lease.current
        do {
            return try await withCheckedThrowingContinuation { continuation in
                enqueue(.write(PendingWrite(request: request, fence: fence, continuation: continuation)))
            }
        } catch {
            throw StoreError.from(error)
        }
    }

    private func enqueue(_ item: Queued) {
        let accepted: Bool = lock.withLock {
            guard !closed else { return false }
            queue.append(item)
            if !draining {
                draining = true
                drainTask = Task { await self.drain() }
            }
            return true
        }
        if !accepted { Self.refuseClosed(item) }
    }

    /// Stops taking writes and waits until those queued are committed.
    public func close() async {
        let task = lock.withLock {
            closed = true
            return drainTask
        }
        await task?.value
    }

    private static func refuseClosed(_ item: Queued) {
        let closing = StoreError.storageUnavailable("the ledger is shutting down")
        switch item {
        case .write(let write):
            write.fail(closing)
            write.resume()
        case .operation(let operation):
            Task { await operation.refuse(closing) }
        }
    }

    private func drain() async {
        while let next = takeNext() {
            switch next {
            case .operation(let operation):
                await operation.run()
                if !operation.keepsCache { cache.reset() }
            case .batch(let writes):
                await commit(writes)
                for write in writes { write.resume() }
            }
            cache.trim()
        }
    }

    private enum Queued {
        case write(PendingWrite)
        case operation(PendingOperation)
    }

    private enum Next {
        case operation(PendingOperation)
        case batch([PendingWrite])
    }

    /// The next operation, or the next writes under one fence, up to a batch's maximum.
    private func takeNext() -> Next? {
        lock.withLock {
            guard let first = queue.first else {
                draining = false
                return nil
            }
            guard case .write(let head) = first else {
                guard case .operation(let operation) = queue.removeFirst() else { preconditionFailure("checked above") }
                return .operation(operation)
            }
            var batch: [PendingWrite] = []
            while batch.count < options.commitBatchCountMax, batch.count < queue.count,
                  case .write(let write) = queue[batch.count], write.fence == head.fence {
                batch.append(write)
            }
            queue.removeFirst(batch.count)
            return .batch(batch)
        }
    }
}

// MARK: - One batch

extension GroupCommit {
    private struct Decision: @unchecked Sendable {
        let attempt: BatchAttempt
        let results: [Result<WriteOutcome, StoreError>]
    }

    private func commit(_ writes: [PendingWrite]) async {
        var conflicts = 0
        while true {
            do {
                let locked = dialect.holdsLockWhileDeciding
                    && (lockedBatchesLeft > 0 || conflicts >= Self.conflictsBeforeLocking)
                let (decision, answer) = locked ? try await decideHoldingLock(writes) : try await decideThenCommit(writes)
                switch answer {
                case .committed(let cost):
                    if locked { lockedBatchesLeft = max(0, lockedBatchesLeft - 1) }
                    settle(writes, decision, cost: cost, locked: locked)
                    return
                case .rebased(let rebased, let cost):
                    // Placed after other writers' events it was not decided on, none of
                    // which touched what it read: their events are folded in first.
                    cache.bringForward(rebased.move)
                    settle(writes, decision, cost: cost, locked: locked, rebased: rebased)
                    return
                case .headMoved(let move):
                    forget(decision)
                    cache.bringForward(move)
                    lock.withLock { committed.recordConflict() }
                    conflicts += 1
                    if conflicts >= Self.conflictsBeforeLocking { lockedBatchesLeft = Self.lockedBatchesAfterConflicts }
                    guard conflicts < Self.conflictsPerBatchMax else {
                        for write in writes { write.fail(.storageUnavailable("other writers kept moving the chain's head")) }
                        return
                    }
                case .fenceLost:
                    forget(decision)
                    let fence = writes[0].fence
                    for write in writes { write.fail(.leaseLost(name: fence?.name ?? "?", epoch: fence?.epoch ?? 0)) }
                    return
                }
            } catch {
                let failure = StoreError.from(error)
                cache.reset()
                // A refusal by the database itself: the requests run again one by one, so
                // one bad request fails alone. A lost or stuck database fails them all at
                // once (one by one would wait once for each).
                if writes.count > 1, !failure.isTransient {
                    for write in writes { await commit([write]) }
                    return
                }
                // A batch cut off after its commit was sent may have committed: every waiter looks again.
                if failure.isTransient { changes.changedAll() }
                for write in writes { write.fail(failure) }
                return
            }
        }
    }

    /// Optimistic: decided against the cache at the head it knows, then one commit call.
    private func decideThenCommit(_ writes: [PendingWrite]) async throws -> (Decision?, CommitAnswer) {
        let queuedSince = Self.queuedSince(writes)
        if cache.head == nil { cache.head = try await dialect.head(queuedSince: queuedSince) }
        let decision = try await decide(writes, loader: dialect.loader(queuedSince: queuedSince), in: cache)
        let prepared = decision.attempt.prepared
        guard prepared.isEmpty else {
            let started = ContinuousClock.now
            let answer = try await dialect.commit(prepared)
            let waited = ContinuousClock.now - started
            lock.withLock { committed.recordCommitWait(nanoseconds: waited.nanosecondsCount) }
            return (decision, answer)
        }
        // Refusals and repeats are answers too: they stand only if nobody appended meanwhile.
        if let move = try await dialect.moved(since: prepared.expected, queuedSince: queuedSince) {
            return (decision, .headMoved(move))
        }
        return (decision, .committed(CommitCost(roundTrips: 0, lockHeldNanoseconds: 0)))
    }

    /// After conflicts: decided inside the chain lock, so the commit cannot meet a moved head.
    private func decideHoldingLock(_ writes: [PendingWrite]) async throws -> (Decision?, CommitAnswer) {
        if cache.head == nil { cache.head = try await dialect.head(queuedSince: Self.queuedSince(writes)) }
        guard let known = cache.head?.head else { preconditionFailure("read above") }
        let locked = LockedDecision<Decision>()
        // The instance this decision changes, even if the writer has moved on to another.
        let cache = self.cache
        let answer: CommitAnswer
        do {
            answer = try await dialect.commitHoldingLock(known: known, fence: writes[0].fence,
                                                         queuedSince: Self.queuedSince(writes)) { [self] move, loader in
                try locked.begin()
                var decided: Decision?
                defer { locked.end(decided) }
                if let move { cache.bringForward(move) }
                let decision = try await decide(writes, loader: loader, in: cache)
                decided = decision
                return decision.attempt.prepared.isEmpty ? nil : decision.attempt.prepared
            }
        } catch {
            _ = await closeLocked(locked)
            throw error
        }
        return (await closeLocked(locked), answer)
    }

    /// How long the writer waits for a locked decision the dialect's deadline cut off.
    static var lockedDecisionWaitMax: Duration { .seconds(10) }

    /// Closes `locked`; a decision still running past the bound keeps the
    /// cache it has, and the writer takes a new one.
    private func closeLocked(_ locked: LockedDecision<Decision>) async -> Decision? {
        let (decided, ended) = await locked.close(waitingAtMost: Self.lockedDecisionWaitMax)
        if !ended { cache = WriteCache(jobCountMax: options.jobCacheCountMax) }
        return decided
    }

    private static func queuedSince(_ writes: [PendingWrite]) -> ContinuousClock.Instant {
        writes.map(\.enqueuedAt).min() ?? .now
    }

    /// Prefetches what the batch reads, then decides each request in order.
    private func decide(_ writes: [PendingWrite], loader: any ReadLoader, in cache: WriteCache) async throws -> Decision {
        let attempt = BatchAttempt(cache: cache, options: options, fence: writes[0].fence, queuedSince: Self.queuedSince(writes))
        var reads = 0
        for _ in 0..<Self.prefetchRoundsMax {
            var missing = ReadSet()
            for write in writes { missing.formUnion(attempt.missingReads(of: write.request)) }
            if missing.isEmpty { break }
            try attempt.absorb(try await loader.load(missing), asked: missing)
            reads += missing.kindCount
        }
        var results: [Result<WriteOutcome, StoreError>] = []
        results.reserveCapacity(writes.count)
        var rereads = 0
        var cpu: Int64 = 0
        for write in writes {
            while true {
                let started = ThreadCPU.nanoseconds()
                do {
                    let outcome = try attempt.perform(write.request)
                    cpu += ThreadCPU.nanoseconds() - started
                    results.append(.success(outcome))
                    break
                } catch let missing as MissingRead {
                    rereads += 1
                    try attempt.absorb(try await loader.load(missing.reads), asked: missing.reads)
                    reads += missing.reads.kindCount
                } catch let overflow as StoreError where overflow == .totalOutOfRange {
                    // Met while the request's events were being recorded (the batch's own sum for
                    // an account passed 2^63-1): the attempt is partly changed, so the whole batch
                    // fails, and its requests run again one by one (only the one that does not fit fails).
                    throw overflow
                } catch {
                    results.append(.failure(StoreError.from(error)))
                    break
                }
            }
        }
        attempt.finish()
        lock.withLock { committed.recordDecision(cpuNanoseconds: cpu, reads: reads, rereads: rereads) }
        return Decision(attempt: attempt, results: results)
    }

    private func settle(_ writes: [PendingWrite], _ decision: Decision?, cost: CommitCost, locked: Bool,
                        rebased: Rebased? = nil) {
        guard let decision else { preconditionFailure("a commit follows a decision") }
        let attempt = decision.attempt
        cache.owners.merge(attempt.overlay.owners) { _, new in new }
        cache.streamVersions.merge(attempt.overlay.streamVersions) { _, new in new }
        if !attempt.prepared.isEmpty {
            let head = attempt.preparedHead
            cache.head = rebased.map { HeadState(head: $0.head, recordedAt: max(head.recordedAt, $0.raisedTo ?? head.recordedAt)) } ?? head
            let hook = lock.withLock {
                committed.record(writes.count, cost: cost, locked: locked, rebased: rebased != nil)
                return headMoved
            }
            if let position = cache.head?.head.position { hook?(position) }
        }
        if let raised = rebased?.raisedTo {
            // The batch's events were stored at the head's time: so is each of its jobs' last event.
            for jobID in attempt.touched {
                if let last = cache.jobs[jobID]?.lastEventAt, last < raised { cache.jobs[jobID]?.lastEventAt = raised }
            }
        }
        let shift = rebased?.shift ?? 0
        let raised = rebased?.raisedTo
        for (write, result) in zip(writes, decision.results) {
            write.settle(result.map { $0.shifted(by: shift, raisingTimesTo: raised) })
        }
        changes.changed(attempt.prepared.changedJobs)
    }

    /// An attempt that was not committed: the job states it changed in place are forgotten.
    private func forget(_ decision: Decision?) {
        guard let decision else { return }
        for jobID in decision.attempt.touched { cache.jobs[jobID] = nil }
    }
}

// MARK: - Queued work

/// A write waiting for its batch. Its outcome is set by the drain and read
/// when it is resumed, after its batch.
private final class PendingWrite: @unchecked Sendable {
    let request: WriteRequest
    let fence: Lease?
    let enqueuedAt = ContinuousClock.now
    private let continuation: CheckedContinuation<WriteOutcome, Error>
    private var outcome: Result<WriteOutcome, StoreError>?

    init(request: WriteRequest, fence: Lease?, continuation: CheckedContinuation<WriteOutcome, Error>) {
        self.request = request
        self.fence = fence
        self.continuation = continuation
    }

    func settle(_ result: Result<WriteOutcome, StoreError>) { outcome = result }
    func fail(_ error: StoreError) { outcome = .failure(error) }

    func resume() {
        guard let outcome else { preconditionFailure("a write resumed before its batch ended") }
        continuation.resume(with: outcome.mapError { $0 as Error })
    }
}

/// An exclusive operation: runs between batches and resumes its own caller.
private final class PendingOperation: Sendable {
    let keepsCache: Bool
    let run: @Sendable () async -> Void
    /// Resumes the caller with an error instead (the writer is closed).
    let refuse: @Sendable (StoreError) async -> Void

    init(keepsCache: Bool, run: @escaping @Sendable () async -> Void, refuse: @escaping @Sendable (StoreError) async -> Void) {
        self.keepsCache = keepsCache
        self.run = run
        self.refuse = refuse
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    public var nanosecondsCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// CPU time the current thread has used (not time waiting).
public enum ThreadCPU {
    public static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
