import GRDB
import LedgerCore

/// Rebuilds the projections from the log alone (`ledger rebuild`).
///
/// Reads the log in (stream, version) order through the log's unique index
/// and folds one stream at a time, so memory holds one job, not the whole
/// log. Account and provider totals are summed in memory and flushed every
/// ``flushStreamCount`` streams. Every total comes from ``Contribution``, the
/// same function the live appends use.
struct Rebuilder {
    let writer: ProjectionWriter
    let codec = EventCodec()
    var flushStreamCount = 2000
    var progressEvery: Int64 = 100_000

    /// Folds the whole log into the (emptied) tables of `writer`; returns the
    /// number of events read. `progress` is called with the count so far.
    func run(_ db: Database, progress: (Int64) -> Void) throws -> Int64 {
        try clear(db)
        var folder = StreamFolder(writer: writer)
        var count: Int64 = 0
        // Only what the fold needs, read from SQLite's buffers; the stream name
        // becomes a String only when it changes.
        let sql = "SELECT position, stream, version, type, schema_version, recorded_at, data FROM events ORDER BY stream, version"
        let rows = try RawRows(db, sql: sql)
        var stream = ""
        var streamBytes: [UInt8] = []
        while try rows.next() {
            let position = rows.int64(0)
            if !rows.bytes(1).elementsEqual(streamBytes) {
                streamBytes = Array(rows.bytes(1))
                stream = String(decoding: streamBytes, as: UTF8.self)
            }
            let (event, at) = try rows.foldInput(codec, position: position, typeColumn: 3, schemaVersionColumn: 4,
                                                 timeColumn: 5, dataColumn: 6)
            let recorded = RecordedEvent(position: position, stream: stream, version: rows.int64(2),
                                         event: event, recordedAt: at, metadata: .notDecoded)
            try folder.fold(recorded, db)
            count += 1
            if folder.finishedStreams >= flushStreamCount { try folder.flushTotals(db) }
            if count % progressEvery == 0 { progress(count) }
        }
        try folder.finish(db)
        let last = try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events") ?? 0
        try writer.setCheckpoint(last, db)
        progress(count)
        return count
    }

    private func clear(_ db: Database) throws {
        for table in ["projection_jobs", "projection_accounts", "projection_provider_health", "projection_orphans"] {
            try db.execute(sql: "DELETE FROM \(writer.tablePrefix)\(table)")
        }
    }
}

/// The fold of the stream being read, and the totals not yet written.
private struct StreamFolder {
    let writer: ProjectionWriter
    var job: JobState?
    var stream = ""
    var finishedStreams = 0
    var accounts: [String: Contribution.Account] = [:]
    var providers: [String: Contribution.Provider] = [:]

    init(writer: ProjectionWriter) { self.writer = writer }

    mutating func fold(_ recorded: RecordedEvent, _ db: Database) throws {
        if recorded.stream != stream { try startStream(recorded.stream, db) }
        guard var state = job else {
            // Not a job stream: orphans are few, write them as the live path does.
            try writer.project(recorded, jobBefore: nil, db)
            return
        }
        let contribution = Contribution.of(recorded, jobBefore: state)
        if let account = contribution.account { accounts[account.account, default: .init(account: account.account)].add(account) }
        if let provider = contribution.provider { providers[provider.provider, default: .init(provider: provider.provider)].add(provider) }
        if case .webhookReceived(let webhook) = recorded.event, let orphan = webhook.adoptedFrom {
            try writer.markAdopted(orphanPosition: orphan, jobID: state.jobID, at: recorded.position, db)
        }
        state.apply(recorded)
        job = state
    }

    private mutating func startStream(_ next: String, _ db: Database) throws {
        if let job { try writer.upsertJob(job, db) }
        finishedStreams += 1
        stream = next
        job = StreamName.jobID(of: next).map(JobState.init(jobID:))
    }

    mutating func flushTotals(_ db: Database) throws {
        for account in accounts.values { try writer.add(Contribution(account: account), db) }
        for provider in providers.values { try writer.add(Contribution(provider: provider), db) }
        accounts.removeAll(keepingCapacity: true)
        providers.removeAll(keepingCapacity: true)
        finishedStreams = 0
    }

    mutating func finish(_ db: Database) throws {
        if let job { try writer.upsertJob(job, db) }
        job = nil
        try flushTotals(db)
    }
}

extension Contribution.Account {
    mutating func add(_ other: Contribution.Account) {
        charged += other.charged
        refunded += other.refunded
        recharged += other.recharged
    }
}

extension Contribution.Provider {
    mutating func add(_ other: Contribution.Provider) {
        webhooks += other.webhooks
        duplicates += other.duplicates
        orphans += other.orphans
        lateWebhooks += other.lateWebhooks
        conflicts += other.conflicts
        for (source, count) in other.terminalBySource { terminalBySource[source, default: 0] += count }
        if let at = other.lastWebhookAt, lastWebhookAt.map({ at > $0 }) ?? true { lastWebhookAt = at }
    }
}
