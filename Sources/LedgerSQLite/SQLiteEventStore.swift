import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// The event log and its projections in one SQLite file.
///
/// ```swift
/// let store = try SQLiteEventStore(path: "ledger.sqlite")
/// let outcome = try await store.execute(.job(jobID: "42", command: .register(registration),
///                                            metadata: EventMetadata(actor: "app")))
/// ```
public final class SQLiteEventStore: EventStore {
    public let path: String
    public let options: StoreOptions
    let pool: DatabasePool
    /// The write path (written once, over the SQLite dialect).
    let writer: GroupCommit<SQLiteWriteDialect>
    let reads: SQLiteReads
    /// Keeps the Merkle tree up with the log, after each commit.
    public let treeFollower: TreeFollower
    /// What the look at the file before opening it found (``StoreOptions/startupQuickCheckMilliseconds``).
    public let startupIntegrity: StartupIntegrity
    static let readerCountMax = 4

    /// Refuses, with nothing written, a path that cannot hold a database, another
    /// application's SQLite file or a ledger migrated by a newer version: what
    /// opening the store checks first, for a caller that writes beside the file
    /// before it opens it (`serve`'s development keys).
    public static func lookAt(_ path: String) throws(StoreError) {
        _ = try fileCheck(path).run(quickCheckMilliseconds: nil)
    }

    private static func fileCheck(_ path: String) -> DatabaseFileCheck {
        DatabaseFileCheck(path: path, migrations: LedgerMigrations.all)
    }

    /// Opens (creating if needed) the ledger at `path` and migrates it.
    ///
    /// Refuses, with nothing written, a path that cannot hold a database,
    /// another application's SQLite file and a ledger migrated by a newer
    /// version (``DatabaseFileCheck``). Fails with
    /// ``StoreError/durabilityNotApplied(expected:actual:)`` when `PRAGMA
    /// synchronous` does not read back as configured.
    public init(path: String, options: StoreOptions = StoreOptions()) throws(StoreError) {
        self.path = path
        self.options = options
        startupIntegrity = try Self.fileCheck(path).run(quickCheckMilliseconds: options.startupQuickCheckMilliseconds)
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(options))
            try Self.allowIncrementalVacuum(pool)
            try Self.migrate(pool, options: options)
            try Self.applyDurability(options.durability, pool)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CANTOPEN || error.resultCode == .SQLITE_PERM
                    || error.resultCode == .SQLITE_READONLY {
            throw StoreError.cannotOpen(path: path, detail: error.message ?? "\(error.resultCode)")
        } catch {
            throw StoreError(error)
        }
        reads = SQLiteReads(pool: pool, permits: ReadPermits(count: Self.readerCountMax))
        writer = GroupCommit(dialect: SQLiteWriteDialect(pool: pool, reads: reads), options: options)
        let treeStorage = WeakTreeStorage()
        let treeFollower = TreeFollower(tree: LogTree(storage: treeStorage))
        self.treeFollower = treeFollower
        treeStorage.attach(self)
        if options.followsTree { writer.onHeadMoved { treeFollower.headMoved(to: $0) } }
    }

    /// Brings the file to ``LedgerMigrations/all``, then rebuilds the
    /// projections if a migration that added one asked for it
    /// (`projection_rebuild_pending`), before anything reads them: the
    /// request is deleted in the rebuild's own transaction.
    private static func migrate(_ pool: DatabasePool, options: StoreOptions) throws {
        try LedgerMigrations.migrator().migrate(pool)
        let rebuilder = Rebuilder(writer: .live, parallelEventCountMin: options.rebuildParallelEventCountMin)
        let pending = "SELECT count(*) FROM projection_rebuild_pending"
        // Read first: an open that has nothing to rebuild takes no write lock.
        guard try pool.read({ db in try Int.fetchOne(db, sql: pending) ?? 0 }) > 0 else { return }
        try pool.write { db in
            guard try Int.fetchOne(db, sql: pending) ?? 0 > 0 else { return }
            _ = try rebuilder.runParallel(db, pool: pool, progress: { _ in })
            try db.execute(sql: "DELETE FROM projection_rebuild_pending")
        }
    }

    /// A new file gives freed pages back in small steps (`PRAGMA
    /// incremental_vacuum`, after retention). The mode is written in the
    /// file's header, which switching to WAL has already written by now, so
    /// setting it takes a `VACUUM` of the empty file (instant); an older file
    /// keeps its mode until an operator runs both (docs/retention.md).
    private static func allowIncrementalVacuum(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") == 0 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }

    private static func configuration(_ options: StoreOptions) -> Configuration {
        var configuration = Configuration()
        // The busy timeout is set before WAL is switched on, or a first open can fail with SQLITE_BUSY.
        configuration.busyMode = .timeout(Double(options.busyTimeoutMilliseconds) / 1000)
        configuration.foreignKeysEnabled = true
        configuration.maximumReaderCount = readerCountMax
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // A job's events are scattered through the file: replay and rebuild
            // read them by index. Mapping the file avoids a read() and a copy per
            // page (the map shares the OS page cache, it costs no extra memory).
            try db.execute(sql: "PRAGMA mmap_size = \(options.mmapBytesMax)")
            try db.execute(sql: "PRAGMA cache_size = -\(options.pageCacheKibibytes)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(options.walAutocheckpointPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(options.walBytesRetainedMax)")
        }
        return configuration
    }

    /// GRDB sets WAL databases to `synchronous=NORMAL` after our own set-up
    /// runs: set the configured level again on the writer and read it back.
    private static func applyDurability(_ durability: StoreOptions.Durability, _ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in try setSynchronous(durability.pragmaValue, db) }
    }

    /// Sets the connection's `synchronous` level and reads it back.
    static func setSynchronous(_ level: Int, _ db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = \(level)")
        let actual = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        guard actual == level else {
            throw StoreError.durabilityNotApplied(expected: "SQLite's PRAGMA synchronous = \(level)", actual: "PRAGMA synchronous = \(actual)")
        }
    }

    /// The `synchronous` level the writer connection uses (2 = FULL, 1 = NORMAL).
    public func writerSynchronousLevel() async throws(StoreError) -> Int {
        try await write(keepsWriterState: true) { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    public var batchStatistics: BatchStatistics { writer.statistics }

    /// Proves the database takes a durable write now (readiness): a commit
    /// through the writer that counts the probe in `readiness_probe` (a row
    /// outside the log and the projections), so it needs the write lock, WAL
    /// space and the sync;
    /// then checks that the database has ``StoreOptions/readinessReserveBytes``
    /// left to grow (see ``StorageHeadroom``).
    public func probeWritable() async throws(StoreError) {
        do {
            try await write(keepsWriterState: true) { db in
                try db.execute(sql: """
                    INSERT INTO readiness_probe (id, probes) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET probes = probes + 1
                    """)
            }
        } catch {
            // A file-size limit fails the write as SQLite's "disk I/O error", which reads as a damaged
            // disk (and its runbook restores a backup): say first that the database has no room.
            if let shortfall = headroomShortfall() {
                // The cause's own words, not its "retry later" (the answer says that once).
                let cause = if case .storageUnavailable(let detail) = error { detail } else { error.description }
                throw .storageUnavailable("\(shortfall); the write failed: \(cause)")
            }
            throw error
        }
        if let shortfall = headroomShortfall() { throw .storageUnavailable(shortfall) }
    }

    /// The job's row after it next changes, or after `timeout` as it is then
    /// (`GET /v1/jobs/{id}?wait=`). Subscribes before reading, so a change
    /// between the two is not missed.
    public func jobAfterChange(_ jobID: String, timeout: Duration) async throws(StoreError) -> JobState? {
        let ticket = writer.changes.subscribe(jobID)
        _ = await writer.changes.wait(ticket, timeout: timeout)
        return try await job(jobID)
    }

    /// Answers every open and later ``jobAfterChange(_:timeout:)`` at once with
    /// the job as it is: graceful shutdown must not wait out long polls.
    public func releaseWaiters() {
        writer.changes.releaseAll()
    }

    public func append(_ request: AppendRequest) async throws(StoreError) -> AppendResult {
        try await writer.append(request)
    }

    public func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
        try await writer.execute(request)
    }

    public func events(inStream stream: String) async throws(StoreError) -> [StoredEvent] {
        try await read { db in
            let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE stream = ? ORDER BY version"
            return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [stream])
        }
    }

    public func events(after position: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await read { db in
            let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE position > ? ORDER BY position LIMIT ?"
            return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [position, limit])
        }
    }

    public func head() async throws(StoreError) -> ChainHead {
        try await read { db in
            let row = try Row.fetchOne(db, sql: "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1")
            return row.map { ChainHead(position: $0["position"], hash: $0["hash"]) } ?? .genesis
        }
    }

    public func job(_ jobID: String) async throws(StoreError) -> JobState? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM projection_jobs WHERE job_id = ?", arguments: [jobID])
                .map(JobState.init(row:))
        }
    }

    /// A read on one of the pool's reader connections (a consistent snapshot), off the cooperative pool.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        try await reads.read(body)
    }

    /// Runs `body` on the writer connection in its own transaction, between
    /// group commits. Afterwards the writer reads its head and job states
    /// again from the file, unless `keepsWriterState`: a change that moves no
    /// head and no job state (a redaction, a setting) keeps them, since
    /// dropping the cached states of every job costs a pause that grows with
    /// the log (384 ms at a million events). Without `syncs`, the transaction
    /// commits without a sync of its own (derived data only: the next synced
    /// commit carries it), and the writer's level is set back before the next
    /// commit of the log, or the process stops rather than write laxly.
    /// `NORMAL`, not `OFF`: a WAL checkpoint that runs inside this commit (the
    /// automatic one, when the WAL crossed its threshold) must still sync the
    /// database file. Under `OFF` it copied acknowledged commits into the file
    /// unsynced and marked the WAL done; the next commit overwrote those WAL
    /// frames, and a power cut then lost them or left a malformed file.
    func write<T: Sendable>(keepsWriterState: Bool = false, syncs: Bool = true,
                            _ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        let pool = self.pool, durable = options.durability.pragmaValue
        return try await writer.exclusive(keepsCache: keepsWriterState) {
            do {
                return try await withCheckedThrowingContinuation { continuation in
                    guard !syncs else {
                        pool.asyncWrite({ db in try body(db) }, completion: { _, result in continuation.resume(with: result) })
                        return
                    }
                    pool.asyncWriteWithoutTransaction { db in
                        let result = Result { () throws -> T in
                            try db.execute(sql: "PRAGMA synchronous = NORMAL")
                            var value: T?
                            try db.inTransaction {
                                value = try body(db)
                                return .commit
                            }
                            guard let value else { preconditionFailure("a committed transaction ran its body") }
                            return value
                        }
                        do { try Self.setSynchronous(durable, db) } catch {
                            preconditionFailure("the writer's PRAGMA synchronous could not be set back: \(error)")
                        }
                        continuation.resume(with: result)
                    }
                }
            } catch {
                throw StoreError(error)
            }
        }
    }
}
