import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// The SQLite dialect of the write path (``GroupCommit``): reads for
/// deciding on the pool's reader connections, and commits on GRDB's one
/// writer connection, whose thread only inserts prepared rows and commits
/// (deciding, encoding and hashing were done before it was called).
///
/// Another process writing the same file (a cron `ledger watchdog --once`,
/// `ledger import`) is noticed by `PRAGMA data_version`, which changes only
/// with another connection's commit: the head is read again inside the
/// commit's transaction and, if it moved, the batch is not written and the
/// events since are returned.
final class SQLiteWriteDialect: WriteDialect, ReadLoader, @unchecked Sendable {
    let pool: DatabasePool
    let reads: SQLiteReads
    private let projections = ProjectionWriter.live
    /// `PRAGMA data_version` when the writer last looked; used on GRDB's writer queue only.
    private var dataVersion: Int64?

    init(pool: DatabasePool, reads: SQLiteReads) {
        self.pool = pool
        self.reads = reads
    }

    func head(queuedSince: ContinuousClock.Instant) async throws -> HeadState {
        try await reads.read { db in try Self.head(db) }
    }

    static func head(_ db: Database) throws -> HeadState {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"))
        else { return .genesis }
        return HeadState(head: ChainHead(position: row["position"], hash: row["hash"]),
                         recordedAt: Timestamp(iso8601: row["recorded_at"]) ?? Timestamp(millisecondsSinceEpoch: 0))
    }

    func moved(since known: ChainHead, queuedSince: ContinuousClock.Instant) async throws -> HeadMove? {
        try await reads.read { db in
            let head = try Self.head(db)
            guard head.head != known else { return nil }
            return HeadMove(head: head, foreign: try Self.foreign(since: known, db))
        }
    }

    /// An embedded database's reads are not bounded by the request's deadline.
    func loader(queuedSince: ContinuousClock.Instant) -> any ReadLoader { self }

    func load(_ reads: ReadSet) async throws -> ReadAnswers {
        try await self.reads.read { db in try SQLiteBatchReads(db: db).answer(reads) }
    }

    func commit(_ batch: PreparedBatch) async throws -> CommitAnswer {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                pool.asyncWriteWithoutTransaction { db in
                    continuation.resume(with: Result { try self.commit(batch, db) })
                }
            }
        } catch {
            throw StoreError(error)
        }
    }

    /// On the writer's thread: the head check, the inserts and the commit.
    private func commit(_ batch: PreparedBatch, _ db: Database) throws -> CommitAnswer {
        let cpuStarted = ThreadCPU.nanoseconds()
        let started = ContinuousClock.now
        var moved: HeadMove?
        try db.inTransaction(.immediate) {
            moved = try movedHead(since: batch.expected, db)
            if moved != nil { return .rollback }
            try write(batch, db)
            return .commit
        }
        if let moved { return .headMoved(moved) }
        let held = ContinuousClock.now - started
        return .committed(CommitCost(roundTrips: 0, lockHeldNanoseconds: held.nanoseconds,
                                     writerCPUNanoseconds: ThreadCPU.nanoseconds() - cpuStarted))
    }

    private func write(_ batch: PreparedBatch, _ db: Database) throws {
        let insert = try db.cachedStatement(sql: Self.insertEvent)
        for row in batch.events { try insert.execute(values: row.rowValues) }
        for job in batch.jobs { try projections.upsertJob(job, db) }
        try projections.write(batch.projections, db)
        try projections.setCheckpoint(batch.head.position, db)
    }

    private static let insertEvent = "INSERT INTO events (\(StoredEvent.selectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// What another process appended since `expected`, or nil when nothing
    /// (only another connection's commit changes `data_version`).
    private func movedHead(since expected: ChainHead, _ db: Database) throws -> HeadMove? {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
        guard version != dataVersion else { return nil }
        dataVersion = version
        let head = try Self.head(db)
        guard head.head != expected else { return nil }
        return HeadMove(head: head, foreign: try Self.foreign(since: expected, db))
    }

    /// The events after `expected`, when the log still extends it and they are few enough.
    private static func foreign(since expected: ChainHead, _ db: Database) throws -> [StoredEvent]? {
        let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE position > ? ORDER BY position LIMIT ?"
        let events = try StoredEvent.fetchAll(db.cachedStatement(sql: sql),
                                              arguments: [expected.position, HeadMove.foreignCountMax + 1])
        guard events.count <= HeadMove.foreignCountMax, events.first?.prevHash == expected.hash else { return nil }
        return events
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
