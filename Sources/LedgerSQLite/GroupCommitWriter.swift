import Foundation
import GRDB
import LedgerStore

/// One writer for the whole process. Concurrent requests queue up; the
/// writer takes everything queued (up to a maximum), runs it in one
/// `BEGIN IMMEDIATE … COMMIT`, so many requests share one fsync, and resumes
/// each caller only after that commit returned.
///
/// There is no fixed wait before committing: while one commit runs, the next
/// batch gathers by itself (a 1 ms linger measured slower: docs/performance.md). Each
/// request runs in a savepoint, so one that fails rolls back alone and the
/// rest of its batch commits. Blocking SQLite calls run on GRDB's writer
/// queue, never on the cooperative thread pool.
final class GroupCommitWriter: @unchecked Sendable {
    private let pool: DatabasePool
    private let session: WriteSession
    private let batchCountMax: Int
    /// Told which jobs each commit changed (long-polling readers wait on it).
    let changes = ChangeSignals()
    private let lock = NSLock()
    private var pending: [any QueuedWork] = []
    private var draining = false
    /// Sizes of the last commits, for metrics and the benchmark.
    private(set) var committedBatches = BatchStatistics()

    init(pool: DatabasePool, session: WriteSession, batchCountMax: Int) {
        self.pool = pool
        self.session = session
        self.batchCountMax = batchCountMax
    }

    /// Runs `body` in the next group commit; returns its result once committed.
    /// An `exclusive` body runs alone in its transaction (a rebuild whose
    /// readers must see exactly what the writer sees).
    func submit<T: Sendable>(exclusive: Bool = false,
                             _ body: @escaping @Sendable (WriteSession, Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let work = Work(body: body, continuation: continuation, exclusive: exclusive)
                let startDraining = lock.withLock {
                    pending.append(work)
                    if draining { return false }
                    draining = true
                    return true
                }
                if startDraining { pool.asyncWriteWithoutTransaction { db in self.drain(db) } }
            }
        } catch {
            throw StoreError(error)
        }
    }

    var statistics: BatchStatistics { lock.withLock { committedBatches } }

    private func drain(_ db: Database) {
        while true {
            let batch: [any QueuedWork] = lock.withLock {
                guard !pending.isEmpty else {
                    draining = false
                    return []
                }
                if pending[0].exclusive { return [pending.removeFirst()] }
                var count = 0
                while count < min(pending.count, batchCountMax), !pending[count].exclusive { count += 1 }
                let batch = Array(pending.prefix(count))
                pending.removeFirst(count)
                return batch
            }
            guard !batch.isEmpty else { return }
            commit(batch, db)
        }
    }

    private func commit(_ batch: [any QueuedWork], _ db: Database) {
        let cpuStarted = Self.threadCPUNanoseconds()
        defer {
            let spent = Self.threadCPUNanoseconds() - cpuStarted
            lock.withLock { committedBatches.recordCPU(nanoseconds: spent) }
        }
        var committed = false
        do {
            try db.inTransaction(.immediate) {
                try session.noticeOtherWriters(db)
                // A savepoint isolates each request from its neighbours; a request
                // alone in its batch needs none: if it fails, the whole transaction
                // rolls back (one statement pair less on the latency-bound path).
                let isolated = batch.count > 1
                var succeeded = 0
                for work in batch where work.perform(session, db, isolated: isolated) { succeeded += 1 }
                guard succeeded > 0 else { return .rollback }
                try session.beforeCommit(db)
                committed = true
                return .commit
            }
            // A batch whose every request failed rolled back: it is no commit.
            if committed { lock.withLock { committedBatches.record(batch.count) } }
            changes.changed(session.takeChangedJobs())
        } catch {
            session.invalidate()
            for work in batch { work.fail(StoreError(error)) }
        }
        // Waking the callers is not the writer's work: each resume enqueues a
        // task and wakes a thread (a fifth of the writer's CPU when it ran
        // here, measured with perf), so one hand-off does them all elsewhere
        // while the writer starts the next batch.
        Self.resumptions.async { for work in batch { work.resume() } }
    }

    /// Where committed callers are resumed, in commit order.
    private static let resumptions = DispatchQueue(label: "ledger.group-commit.resume")
}

extension GroupCommitWriter {
    /// CPU time this thread has used (not time waiting for an fsync).
    static func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

private protocol QueuedWork: AnyObject, Sendable {
    var exclusive: Bool { get }
    /// Runs the work; false when it failed (its outcome is then the error).
    func perform(_ session: WriteSession, _ db: Database, isolated: Bool) -> Bool
    func fail(_ error: StoreError)
    func resume()
}

/// Unchecked: its outcome is written on the writer's queue before the
/// work is handed to the resumption queue, which alone reads it after.
private final class Work<T: Sendable>: QueuedWork, @unchecked Sendable {
    private let body: @Sendable (WriteSession, Database) throws -> T
    private let continuation: CheckedContinuation<T, Error>
    private var outcome: Result<T, StoreError>?
    let exclusive: Bool

    init(body: @escaping @Sendable (WriteSession, Database) throws -> T, continuation: CheckedContinuation<T, Error>,
         exclusive: Bool) {
        self.body = body
        self.continuation = continuation
        self.exclusive = exclusive
    }

    func perform(_ session: WriteSession, _ db: Database, isolated: Bool) -> Bool {
        var value: T?
        do {
            let mark = try session.begin(db)
            do {
                if isolated {
                    value = try Self.inSavepoint(db) {
                        let value = try body(session, db)
                        try session.finish(db)
                        return value
                    }
                } else {
                    value = try body(session, db)
                    try session.finish(db)
                }
            } catch {
                session.restore(mark)
                // A refusal by SQLite itself (a trigger, a constraint) means the
                // writer's picture of the file may be wrong: read it again.
                if error is DatabaseError { session.invalidate() }
                throw error
            }
            guard let value else { preconditionFailure("a completed body always produced its value") }
            outcome = .success(value)
            return true
        } catch {
            outcome = .failure(StoreError(error))
            return false
        }
    }

    func fail(_ error: StoreError) { outcome = .failure(error) }

    /// A savepoint through cached statements: GRDB's `inSavepoint` prepares
    /// its SQL anew each time, on the path every request of a batch takes.
    private static func inSavepoint(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT request").execute()
        do {
            let value = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT request").execute()
            return value
        } catch {
            try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT request").execute()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT request").execute()
            throw error
        }
    }

    func resume() {
        guard let outcome else { preconditionFailure("work resumed before it was performed") }
        continuation.resume(with: outcome.mapError { $0 as Error })
    }
}
