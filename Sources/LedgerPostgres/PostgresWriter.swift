import Foundation
import LedgerStore
import Logging
import PostgresNIO
import Synchronization

/// This node's group commit on PostgreSQL: concurrent requests queue up, and
/// one task takes everything queued (up to a maximum) into one transaction
/// that holds the `ledger_head` row lock, so many requests share one commit
/// and one chain-lock wait, and each caller resumes only after the commit.
///
/// A failed statement aborts the whole transaction on PostgreSQL (SQLite
/// fails only the statement). Refusals are decided before any write, so they
/// fail alone; when the database itself raises mid-batch, the batch is
/// rolled back and each of its requests run again on its own, so one bad
/// request does not fail its neighbours. A batch past its deadline (the
/// database stopped answering) fails as "retry later", and the next batch
/// starts from a fresh session: the abandoned one may still be held by the
/// batch's task, cut off mid-query.
final class PostgresWriter: @unchecked Sendable {
    private let connections: BoundedConnections
    /// This node's name in change notifications.
    private let node: String
    private let options: StoreOptions
    /// Used by the draining task only.
    private var session: PostgresWriteSession
    private let logger: Logger
    /// How long a batch waits for the chain lock before it fails as "retry later".
    var lockTimeoutMilliseconds = 5_000
    private let lock = NSLock()
    private var pending: [any PostgresWork] = []
    private var draining = false
    private(set) var committedBatches = BatchStatistics()
    /// Told which jobs each commit changed (long-polling readers wait on it);
    /// nil when a batch's outcome is unknown.
    let onCommit: @Sendable (Set<String>?) -> Void

    init(connections: BoundedConnections, node: String, options: StoreOptions, logger: Logger,
         onCommit: @escaping @Sendable (Set<String>?) -> Void) {
        self.connections = connections
        self.node = node
        self.options = options
        session = PostgresWriteSession(options: options, logger: logger)
        self.logger = logger
        self.onCommit = onCommit
    }

    /// Runs `body` in the next group commit; returns its result once committed.
    func submit<T: Sendable>(within deadlines: ConnectionDeadlines,
                             _ body: @escaping @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T)
        async throws(StoreError) -> T {
        // Read on the caller's task: a background round's lease, checked in the commit.
        let fence = Lease.current
        let fenced: @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T = { session, connection in
            if let fence { try await session.requireLease(fence, connection) }
            return try await body(session, connection)
        }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let work = Work(deadlines: deadlines, body: fenced, continuation: continuation)
                let startDraining = lock.withLock {
                    pending.append(work)
                    if draining { return false }
                    draining = true
                    return true
                }
                if startDraining { Task { await self.drain() } }
            }
        } catch {
            throw StoreError.fromPostgres(error)
        }
    }

    var statistics: BatchStatistics { lock.withLock { committedBatches } }

    private func drain() async {
        while true {
            let batch: [any PostgresWork] = lock.withLock {
                guard !pending.isEmpty else {
                    draining = false
                    return []
                }
                let batch = Array(pending.prefix(options.commitBatchCountMax))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            await commit(batch)
            for work in batch { work.resume() }
        }
    }

    private func commit(_ batch: [any PostgresWork]) async {
        let session = session
        // The loosest deadline of the batch's works (an operation's is
        // unbounded), less what its oldest request waited in the queue: a
        // request gets "retry later" within its deadline, not after the
        // batches queued before it ran into theirs.
        let waited = ContinuousClock.now - (batch.map(\.enqueuedAt).min() ?? .now)
        let deadlines = batch.contains { $0.deadlines.finishing == nil } ? ConnectionDeadlines.operation
            : ConnectionDeadlines.request.remaining(after: waited)
        do {
            let succeeded = try await connections.withConnection(within: deadlines) { connection in
                try await self.transaction(batch, session, connection)
            }
            if succeeded > 0 { lock.withLock { committedBatches.record(batch.count) } }
            onCommit(session.batchChangedJobs)
        } catch {
            // After a failure nothing in memory can be trusted, and after a
            // deadline the old session may still be in use by the cut-off task.
            self.session = PostgresWriteSession(options: options, logger: logger)
            let failure = StoreError.fromPostgres(error)
            // A batch cut off after its COMMIT was sent may have committed,
            // and this node's listener skips its own notifications: wake every waiter.
            if failure.isTransient { onCommit(nil) }
            // One request the database refused fails the batch: the others
            // run again alone. A lost or stuck database fails them all at
            // once (running them one by one would wait once for each).
            if batch.count > 1, !(error is StoreError), !failure.isTransient {
                logger.warning("a batch failed in the database; its requests run one by one", metadata: ["error": "\(failure)"])
                for work in batch { await commit([work]) }
                return
            }
            for work in batch { work.fail(failure) }
        }
    }

    /// One transaction for the batch; the number of requests that succeeded.
    private func transaction(_ batch: [any PostgresWork], _ session: PostgresWriteSession,
                             _ connection: PostgresConnection) async throws -> Int {
        try await run("BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, logger: logger)
        do {
            // A stuck holder of the chain lock (another node paused mid-batch)
            // fails this batch as "retry later" instead of hanging every request.
            try await run("SET LOCAL lock_timeout = '\(lockTimeoutMilliseconds)ms'", on: connection, logger: logger)
            try await session.lockHead(connection)
            var succeeded = 0
            for work in batch {
                try Task.checkCancellation()
                if try await work.perform(session, connection) { succeeded += 1 }
            }
            if succeeded > 0 {
                try await session.projections.setCheckpoint(session.head.position, on: connection)
                try await ChangeChannel.notify(session.batchChangedJobs, from: node, on: connection, logger: logger)
                try await run("COMMIT", on: connection, logger: logger)
            } else {
                try await run("ROLLBACK", on: connection, logger: logger)
            }
            return succeeded
        } catch {
            await rollBack(on: connection, logger: logger)
            throw error
        }
    }
}

private protocol PostgresWork: AnyObject, Sendable {
    var deadlines: ConnectionDeadlines { get }
    var enqueuedAt: ContinuousClock.Instant { get }
    /// Runs the work; false when it was refused (its outcome is then the
    /// error). Throws when the database failed: the transaction is lost.
    func perform(_ session: PostgresWriteSession, _ connection: PostgresConnection) async throws -> Bool
    func fail(_ error: StoreError)
    func resume()
}

/// A request in a group commit. Its outcome is set by the batch's task and
/// read by the draining one; `fail` seals it, so a batch task cut off by its
/// deadline and waking later cannot turn a failure into a success.
private final class Work<T: Sendable>: PostgresWork, Sendable {
    let deadlines: ConnectionDeadlines
    let enqueuedAt = ContinuousClock.now
    private let body: @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T
    private let continuation: CheckedContinuation<T, Error>
    private let state = Mutex<(outcome: Result<T, StoreError>?, sealed: Bool)>((nil, false))

    init(deadlines: ConnectionDeadlines, body: @escaping @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T,
         continuation: CheckedContinuation<T, Error>) {
        self.deadlines = deadlines
        self.body = body
        self.continuation = continuation
    }

    private func settle(_ outcome: Result<T, StoreError>) {
        state.withLock { if !$0.sealed { $0.outcome = outcome } }
    }

    func perform(_ session: PostgresWriteSession, _ connection: PostgresConnection) async throws -> Bool {
        let mark = session.begin()
        do {
            let value = try await body(session, connection)
            try await session.finish(connection)
            settle(.success(value))
            return true
        } catch let refusal as StoreError where !session.wroteSinceBegin {
            // Decided before any write: the transaction is intact.
            session.restore(mark)
            settle(.failure(refusal))
            return false
        }
    }

    func fail(_ error: StoreError) {
        state.withLock { $0 = (.failure(error), true) }
    }

    func resume() {
        guard let outcome = state.withLock({ $0.outcome }) else { preconditionFailure("work resumed before it was performed") }
        continuation.resume(with: outcome.mapError { $0 as Error })
    }
}
