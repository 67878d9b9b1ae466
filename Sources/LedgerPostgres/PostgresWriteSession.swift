import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// A node's writer state between batches: the chain head and a cache of job
/// states. Used by one batch at a time (``PostgresWriter``), inside the
/// transaction that holds the `ledger_head` row lock, so every decision is
/// made on the state all nodes' commits left.
///
/// Other nodes append too: at the start of each batch, the head read under
/// the lock tells whether anyone else appended since this node's last
/// batch, and the job streams they touched are forgotten from the cache (a
/// stale cached job could be refunded twice).
final class PostgresWriteSession: @unchecked Sendable {
    let options: StoreOptions
    let logger: Logger
    let codec = EventCodec()
    let projections: PostgresProjections
    private(set) var head = ChainHead.genesis
    private var lastRecordedAt = Timestamp(millisecondsSinceEpoch: 0)
    private var jobCache: [String: JobState] = [:]
    private var touched: Set<String> = []
    private var dirtyJobs: Set<String> = []
    /// True once the current request has written: a failure after that must fail the batch.
    private(set) var wroteSinceBegin = false
    /// Jobs changed by the batch's requests that succeeded (long-poll waiters).
    private(set) var batchChangedJobs: Set<String> = []
    /// Past this many events appended by other nodes, the whole cache is dropped.
    private let foreignEventsForgetAllMin: Int64 = 5_000

    init(options: StoreOptions, logger: Logger) {
        self.options = options
        self.logger = logger
        projections = PostgresProjections(logger: logger)
    }

    struct Mark {
        let head: ChainHead
        let lastRecordedAt: Timestamp
    }

    /// Locks the head for this batch and forgets what other nodes changed.
    func lockHead(_ connection: PostgresConnection) async throws {
        batchChangedJobs.removeAll()
        let row = try await rows("SELECT position, hash, recorded_at FROM ledger_head WHERE id = 0 FOR UPDATE",
                                 on: connection, logger: logger)
        guard let row = row.first, let position = row.integer("position"), let hash = row.text("hash") else {
            throw StoreError.corrupt("ledger_head has no row: the schema was changed outside the ledger")
        }
        let locked = ChainHead(position: position, hash: hash)
        if locked != head {
            try await forgetForeignChanges(since: head, now: locked, connection)
            head = locked
        }
        if let at = row.text("recorded_at").flatMap(Timestamp.init(iso8601:)), at > lastRecordedAt { lastRecordedAt = at }
    }

    private func forgetForeignChanges(since known: ChainHead, now locked: ChainHead, _ connection: PostgresConnection) async throws {
        guard known.position > 0, locked.position > known.position,
              locked.position - known.position < foreignEventsForgetAllMin else {
            jobCache.removeAll()
            return
        }
        let streams = try await rows("SELECT DISTINCT stream FROM events WHERE position > $1", [.integer(known.position)],
                                     on: connection, logger: logger)
        for row in streams {
            if let jobID = row.text("stream").flatMap(StreamName.jobID(of:)) { jobCache[jobID] = nil }
        }
    }

    /// After an import moved the head inside this batch: the cache is emptied.
    func moveHead(to moved: ChainHead) {
        head = moved
        jobCache.removeAll()
    }

    func begin() -> Mark {
        touched.removeAll(keepingCapacity: true)
        dirtyJobs.removeAll(keepingCapacity: true)
        wroteSinceBegin = false
        return Mark(head: head, lastRecordedAt: lastRecordedAt)
    }

    /// Writes the job rows the request changed.
    func finish(_ connection: PostgresConnection) async throws {
        for jobID in dirtyJobs {
            if let state = jobCache[jobID] { try await projections.upsertJob(state, on: connection) }
        }
        batchChangedJobs.formUnion(dirtyJobs)
    }

    /// Undoes the in-memory effects of a request that was refused before it wrote.
    func restore(_ mark: Mark) {
        head = mark.head
        lastRecordedAt = mark.lastRecordedAt
        for jobID in touched { jobCache[jobID] = nil }
    }

    /// The next `recorded_at`: this node's clock, never earlier than the
    /// head's, so time order and position order agree across nodes.
    func now() -> Timestamp {
        let clock = options.clock()
        return clock > lastRecordedAt ? clock : lastRecordedAt
    }
}

extension PostgresWriteSession {
    /// The job's state, from the cache or folded from its stream.
    func jobState(_ jobID: String, _ connection: PostgresConnection) async throws -> JobState {
        if let cached = jobCache[jobID] { return cached }
        let state = try JobState(jobID: jobID, folding: try await readStream(StreamName.job(jobID), connection), codec: codec)
        if jobCache.count >= options.jobCacheCountMax { jobCache.removeAll(keepingCapacity: true) }
        jobCache[jobID] = state
        return state
    }

    func readStream(_ stream: String, _ connection: PostgresConnection) async throws -> [StoredEvent] {
        try await rows("SELECT \(StoredEvent.postgresSelectList) FROM events WHERE stream = $1 ORDER BY version",
                       [.text(stream)], on: connection, logger: logger).map(StoredEvent.init(postgres:))
    }

    func streamVersion(_ stream: String, _ connection: PostgresConnection) async throws -> Int64 {
        if let jobID = StreamName.jobID(of: stream) { return try await jobState(jobID, connection).version }
        let found = try await rows("SELECT coalesce(max(version), 0) AS version FROM events WHERE stream = $1",
                                   [.text(stream)], on: connection, logger: logger)
        return found.first?.integer("version") ?? 0
    }

    /// Appends `events` to `stream` after `version`, chains them and folds
    /// them into the projections. The caller has checked the version.
    func record(_ events: [NewEvent], stream: String, after version: Int64, idempotencyKey: String?,
                _ connection: PostgresConnection) async throws -> [RecordedEvent] {
        for new in events {
            do { try new.event.validateForStorage() } catch { throw StoreError.refused(error) }
        }
        let jobID = StreamName.jobID(of: stream)
        var jobBefore: JobState?
        if let jobID {
            jobBefore = try await jobState(jobID, connection)
            touched.insert(jobID)
            dirtyJobs.insert(jobID)
            jobCache[jobID] = nil
        }
        let at = now()
        var recorded: [RecordedEvent] = []
        for (offset, new) in events.enumerated() {
            let event = RecordedEvent(position: head.position + 1, stream: stream, version: version + Int64(offset) + 1,
                                      event: new.event, recordedAt: at, metadata: new.metadata)
            let row = StoredEvent(chaining: event, after: head.hash, idempotencyKey: offset == 0 ? idempotencyKey : nil,
                                  codec: codec)
            try await insert(row, connection)
            try await projections.apply(ProjectionChange.of(event, jobBefore: jobBefore), on: connection)
            jobBefore?.apply(event)
            recorded.append(event)
        }
        if let jobID, let state = jobBefore { jobCache[jobID] = state }
        lastRecordedAt = at
        return recorded
    }

    /// Inserts a chained row; the database's trigger checks it extends the head.
    func insert(_ row: StoredEvent, _ connection: PostgresConnection) async throws {
        wroteSinceBegin = true
        try await run(Self.insertEvent, row.rowValues, on: connection, logger: logger)
        head = ChainHead(position: row.position, hash: row.hash)
    }

    private static let insertEvent: String = {
        let values = StoredEvent.columns.enumerated().map { index, column in
            ["data", "metadata"].contains(column) ? "$\(index + 1)::json" : "$\(index + 1)"
        }
        return "INSERT INTO events (\(StoredEvent.columns.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))"
    }()
}
