import Foundation
import LedgerStore
import Logging
import PostgresNIO

/// This node's group commit on PostgreSQL: concurrent requests queue up, and
/// one task takes everything queued (up to a maximum) into one transaction
/// that holds the `ledger_head` row lock, so many requests share one commit
/// and one chain-lock wait, and each caller resumes only after the commit.
///
/// A failed statement aborts the whole transaction on PostgreSQL (SQLite
/// fails only the statement). Refusals are decided before any write, so they
/// fail alone; when the database itself raises mid-batch, the batch is
/// rolled back and each of its requests run again on its own, so one bad
/// request does not fail its neighbours.
final class PostgresWriter: @unchecked Sendable {
    private let client: PostgresClient
    private let session: PostgresWriteSession
    private let logger: Logger
    private let batchCountMax: Int
    /// How long a batch waits for the chain lock before it fails as "retry later".
    var lockTimeoutMilliseconds = 5_000
    private let lock = NSLock()
    private var pending: [any PostgresWork] = []
    private var draining = false
    private(set) var committedBatches = BatchStatistics()
    /// Told which jobs each commit changed (long-polling readers wait on it).
    let onCommit: @Sendable (Set<String>) -> Void

    init(client: PostgresClient, session: PostgresWriteSession, logger: Logger, batchCountMax: Int,
         onCommit: @escaping @Sendable (Set<String>) -> Void) {
        self.client = client
        self.session = session
        self.logger = logger
        self.batchCountMax = batchCountMax
        self.onCommit = onCommit
    }

    /// Runs `body` in the next group commit; returns its result once committed.
    func submit<T: Sendable>(_ body: @escaping @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T)
        async throws(StoreError) -> T {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let work = Work(body: body, continuation: continuation)
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
                let batch = Array(pending.prefix(batchCountMax))
                pending.removeFirst(batch.count)
                return batch
            }
            guard !batch.isEmpty else { return }
            await commit(batch)
            for work in batch { work.resume() }
        }
    }

    private func commit(_ batch: [any PostgresWork]) async {
        do {
            let succeeded = try await client.withConnection(acquiredWithin: PostgresEventStore.connectionWait) { connection in
                try await self.transaction(batch, connection)
            }
            if succeeded > 0 { lock.withLock { committedBatches.record(batch.count) } }
            onCommit(session.batchChangedJobs)
        } catch {
            session.invalidate()
            let failure = StoreError.fromPostgres(error)
            if batch.count > 1, !(error is StoreError) {
                logger.warning("a batch failed in the database; its requests run one by one", metadata: ["error": "\(failure)"])
                for work in batch { await commit([work]) }
                return
            }
            for work in batch { work.fail(failure) }
        }
    }

    /// One transaction for the batch; the number of requests that succeeded.
    private func transaction(_ batch: [any PostgresWork], _ connection: PostgresConnection) async throws -> Int {
        try await run("BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, logger: logger)
        do {
            // A stuck holder of the chain lock (another node paused mid-batch)
            // fails this batch as "retry later" instead of hanging every request.
            try await run("SET LOCAL lock_timeout = '\(lockTimeoutMilliseconds)ms'", on: connection, logger: logger)
            try await session.lockHead(connection)
            var succeeded = 0
            for work in batch where try await work.perform(session, connection) { succeeded += 1 }
            if succeeded > 0 {
                try await session.projections.setCheckpoint(session.head.position, on: connection)
                try await ChangeChannel.notify(session.batchChangedJobs, on: connection, logger: logger)
                try await run("COMMIT", on: connection, logger: logger)
            } else {
                try await run("ROLLBACK", on: connection, logger: logger)
            }
            return succeeded
        } catch {
            try? await run("ROLLBACK", on: connection, logger: logger)
            throw error
        }
    }
}

private protocol PostgresWork: AnyObject, Sendable {
    /// Runs the work; false when it was refused (its outcome is then the
    /// error). Throws when the database failed: the transaction is lost.
    func perform(_ session: PostgresWriteSession, _ connection: PostgresConnection) async throws -> Bool
    func fail(_ error: StoreError)
    func resume()
}

/// Unchecked: its outcome is written by the draining task, then read by
/// `resume()` on the same task.
private final class Work<T: Sendable>: PostgresWork, @unchecked Sendable {
    private let body: @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T
    private let continuation: CheckedContinuation<T, Error>
    private var outcome: Result<T, StoreError>?

    init(body: @escaping @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T,
         continuation: CheckedContinuation<T, Error>) {
        self.body = body
        self.continuation = continuation
    }

    func perform(_ session: PostgresWriteSession, _ connection: PostgresConnection) async throws -> Bool {
        let mark = session.begin()
        do {
            let value = try await body(session, connection)
            try await session.finish(connection)
            outcome = .success(value)
            return true
        } catch let refusal as StoreError where !session.wroteSinceBegin {
            // Decided before any write: the transaction is intact.
            session.restore(mark)
            outcome = .failure(refusal)
            return false
        }
    }

    func fail(_ error: StoreError) { outcome = .failure(error) }

    func resume() {
        guard let outcome else { preconditionFailure("work resumed before it was performed") }
        continuation.resume(with: outcome.mapError { $0 as Error })
    }
}
