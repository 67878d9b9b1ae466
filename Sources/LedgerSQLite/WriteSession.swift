import GRDB
import LedgerCore
import LedgerStore

/// The writer's state between commits: the chain head and a cache of job
/// states. Used only on the writer's queue, one request at a time.
///
/// Each request of a group commit runs in its own savepoint; when it fails,
/// ``restore(_:)`` puts the head back and forgets the jobs it touched (they
/// are folded again from the database, which the savepoint rollback put
/// back), so the rest of the batch commits unaffected. Forgetting instead of
/// keeping a copy of each state before it changed lets the cached states be
/// changed in place: a copy of a job's delivery sets per webhook was the
/// writer's largest avoidable cost.
final class WriteSession: @unchecked Sendable {
    let options: StoreOptions
    let codec = EventCodec()
    let projections = ProjectionWriter.live
    private(set) var head = ChainHead.genesis
    private var lastRecordedAt = Timestamp(millisecondsSinceEpoch: 0)
    private var jobCache: [String: JobState] = [:]
    /// The jobs the current request touched: forgotten if it fails.
    private var touched: Set<String> = []
    private var dirtyJobs: [String] = []
    /// Jobs changed by the requests of the current batch that succeeded.
    private var batchChangedJobs: Set<String> = []
    private var needsReload = true
    /// `PRAGMA data_version` when this writer last looked: it changes only
    /// when another connection (another process) commits.
    private var dataVersion: Int64?
    /// The position the projection checkpoint was last set to by this writer.
    private var stampedPosition: Int64 = -1

    init(options: StoreOptions) {
        self.options = options
    }

    struct Mark {
        let head: ChainHead
        let lastRecordedAt: Timestamp
    }

    /// Called before each request.
    func begin(_ db: Database) throws -> Mark {
        if needsReload { try reload(db) }
        touched.removeAll(keepingCapacity: true)
        dirtyJobs.removeAll(keepingCapacity: true)
        return Mark(head: head, lastRecordedAt: lastRecordedAt)
    }

    /// Writes the job rows the request changed; called before its savepoint is released.
    func finish(_ db: Database) throws {
        for jobID in Set(dirtyJobs) {
            if let state = jobCache[jobID] { try projections.upsertJob(state, db) }
        }
        batchChangedJobs.formUnion(dirtyJobs)
    }

    /// The jobs the committed batch changed (cleared for the next batch).
    func takeChangedJobs() -> Set<String> {
        defer { batchChangedJobs.removeAll(keepingCapacity: true) }
        return batchChangedJobs
    }

    /// Undoes the in-memory effects of a request whose savepoint was rolled back.
    func restore(_ mark: Mark) {
        head = mark.head
        lastRecordedAt = mark.lastRecordedAt
        for jobID in touched { jobCache[jobID] = nil }
        touched.removeAll()
    }

    /// Called at the start of every group commit, inside its transaction:
    /// if another process wrote to the file (`ledger import`, a cron
    /// `watchdog --once`), the cached head and job states are stale.
    func noticeOtherWriters(_ db: Database) throws {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version"))
        if version != dataVersion {
            dataVersion = version
            invalidate()
        }
    }

    /// After a failed commit nothing in memory can be trusted: start again from the file.
    func invalidate() {
        stampedPosition = -1
        batchChangedJobs.removeAll()
        jobCache.removeAll()
        needsReload = true
    }

    /// Stamps the projections' checkpoint with the last position. After a
    /// maintenance write (import, rebuild) the cached head may be stale, so it
    /// is read again first.
    func beforeCommit(_ db: Database) throws {
        if needsReload { try reload(db) }
        // A batch that appended nothing (idempotent repeats) writes nothing,
        // so its commit costs no fsync.
        guard head.position != stampedPosition else { return }
        try projections.setCheckpoint(head.position, db)
        stampedPosition = head.position
    }

    private func reload(_ db: Database) throws {
        let row = try Row.fetchOne(db, sql: "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
        if let row {
            head = ChainHead(position: row[0], hash: row[1])
            lastRecordedAt = Timestamp(iso8601: row[2]) ?? lastRecordedAt
        } else {
            head = .genesis
        }
        jobCache.removeAll()
        needsReload = false
    }

    /// The next `recorded_at`: the clock, but never earlier than the last one,
    /// so that time order and position order agree.
    func now() -> Timestamp {
        let clock = options.clock()
        return clock > lastRecordedAt ? clock : lastRecordedAt
    }
}

extension WriteSession {
    /// The job's state, from the cache or folded from its stream.
    func jobState(_ jobID: String, _ db: Database) throws -> JobState {
        if let cached = jobCache[jobID] { return cached }
        let state = try JobState(jobID: jobID, folding: try readStream(StreamName.job(jobID), db), codec: codec)
        if jobCache.count >= options.jobCacheCountMax { jobCache.removeAll(keepingCapacity: true) }
        jobCache[jobID] = state
        return state
    }

    func decode(_ stored: StoredEvent) throws -> RecordedEvent {
        do {
            return try stored.decoded(with: codec)
        } catch {
            throw StoreError.corrupt("event at position \(stored.position): \(error)")
        }
    }

    func readStream(_ stream: String, _ db: Database) throws -> [StoredEvent] {
        let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE stream = ? ORDER BY version"
        return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [stream])
    }

    func streamVersion(_ stream: String, _ db: Database) throws -> Int64 {
        let sql = "SELECT coalesce(max(version), 0) FROM events WHERE stream = ?"
        return try Int64.fetchOne(db.cachedStatement(sql: sql), arguments: [stream]) ?? 0
    }

    /// Appends `events` to `stream` after version `version`, chains them and
    /// folds them into the projections. The caller has checked the version.
    func record(_ events: [NewEvent], stream: String, after version: Int64, idempotencyKey: String?,
                _ db: Database) throws -> [RecordedEvent] {
        for new in events {
            do { try new.event.validateForStorage() } catch { throw StoreError.refused(error) }
        }
        let jobID = StreamName.jobID(of: stream)
        var jobBefore = try jobID.map { try jobState($0, db) }
        if let jobID {
            touch(jobID)
            // Out of the cache while it changes: the only reference, so folding changes it in place.
            jobCache[jobID] = nil
        }
        let at = now()
        var recorded: [RecordedEvent] = []
        for (offset, new) in events.enumerated() {
            let event = RecordedEvent(position: head.position + 1, stream: stream, version: version + Int64(offset) + 1,
                                      event: new.event, recordedAt: at, metadata: new.metadata)
            try insert(event, idempotencyKey: offset == 0 ? idempotencyKey : nil, db)
            try projections.project(event, jobBefore: jobBefore, db)
            jobBefore?.apply(event)
            recorded.append(event)
        }
        if let jobID, let state = jobBefore { jobCache[jobID] = state }
        lastRecordedAt = at
        return recorded
    }

    private func touch(_ jobID: String) {
        touched.insert(jobID)
        dirtyJobs.append(jobID)
    }

    private func insert(_ event: RecordedEvent, idempotencyKey: String?, _ db: Database) throws {
        let row = StoredEvent(chaining: event, after: head.hash, idempotencyKey: idempotencyKey, codec: codec)
        let sql = """
            INSERT INTO events (\(StoredEvent.selectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(row.rowValues.map(\.databaseValue)))
        head = ChainHead(position: row.position, hash: row.hash)
    }
}
