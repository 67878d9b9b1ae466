import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// What folding a run of streams produced, for the writer to apply.
struct RebuildChunk: @unchecked Sendable {
    var jobs: [JobState] = []
    var orphans: [(RecordedEvent, WebhookReceived)] = []
    var adoptions: [(orphan: Int64, jobID: String, position: Int64)] = []
    var accounts: [String: Contribution.Account] = [:]
    var providers: [String: Contribution.Provider] = [:]
    var notifications: [NotificationRow.Key: NotificationRow] = [:]
    var attempts: [Int64: AttemptRow] = [:]
    var refunds: [RefundRow] = []
    var lateCompletions: [LateCompletionRow] = []
    var conflicts: [ConflictRow] = []
    var eventCount: Int64 = 0
    var streamCount = 0
}

/// Reads one range of streams in (stream, version) order, folds each stream,
/// and hands over a chunk every `chunkStreamCount` streams.
struct RebuildScan {
    let chunkStreamCount: Int
    let codec = EventCodec()

    func run(_ db: Database, range: StreamRange, emit: (RebuildChunk) throws -> Void) throws {
        let rows = try RawRows(db, sql: range.sql)
        for (index, bound) in range.bounds.enumerated() { rows.bind(bound, at: Int32(index + 1)) }
        var chunk = RebuildChunk()
        // Folded in place (a JobState is large: copying it in and out of an
        // Optional for every event showed up as memmove in the profile).
        var job = JobState(jobID: "")
        var inJobStream = false
        var stream = ""
        var streamBytes: [UInt8] = []
        while try rows.next() {
            let position = rows.int64(0)
            // The stream name becomes a String only when it changes.
            if !rows.bytes(1).elementsEqual(streamBytes) {
                if inJobStream, job.isRegistered { chunk.jobs.append(job) }
                chunk.streamCount += 1
                if chunk.streamCount >= chunkStreamCount {
                    try emit(chunk)
                    chunk = RebuildChunk()
                }
                streamBytes = Array(rows.bytes(1))
                stream = String(decoding: streamBytes, as: UTF8.self)
                inJobStream = StreamName.jobID(of: stream) != nil
                job = JobState(jobID: StreamName.jobID(of: stream) ?? "")
            }
            // Job streams are only folded; orphan rows keep delivery ids and body hashes.
            let (event, at) = try rows.foldInput(codec, position: position, typeColumn: 3, schemaVersionColumn: 4,
                                                 timeColumn: 5, dataColumn: 6, foldOnly: inJobStream)
            let recorded = RecordedEvent(position: position, stream: stream, version: rows.int64(2),
                                         event: event, recordedAt: at, metadata: .notDecoded)
            chunk.eventCount += 1
            if inJobStream {
                fold(recorded, into: &job, &chunk)
            } else if let provider = StreamName.orphanProvider(of: stream) {
                foldOrphan(recorded, provider: provider, &chunk)
                // One provider's orphans are one stream: split it, or a chunk
                // could hold them all (their contributions are per event).
                if chunk.orphans.count >= chunkStreamCount {
                    try emit(chunk)
                    chunk = RebuildChunk()
                }
            }
        }
        if inJobStream, job.isRegistered { chunk.jobs.append(job) }
        try emit(chunk)
    }

    private func fold(_ recorded: RecordedEvent, into state: inout JobState, _ chunk: inout RebuildChunk) {
        add(Contribution.of(recorded, jobBefore: state), to: &chunk)
        if let conflict = ConflictRow.of(recorded, jobBefore: state) { chunk.conflicts.append(conflict) }
        if case .webhookReceived(let webhook) = recorded.event, let orphan = webhook.adoptedFrom {
            chunk.adoptions.append((orphan, state.jobID, recorded.position))
        }
        if let step = recorded.event.notificationStep,
           let row = NotificationRow.after(recorded, jobID: state.jobID, before: state.notifications[step.notificationID]) {
            chunk.notifications[row.key] = chunk.notifications[row.key].map { $0.followed(by: row) } ?? row
        }
        if let attempt = AttemptRow.of(recorded, jobID: state.jobID) { chunk.attempts[attempt.position] = attempt }
        // A whole stream is in one chunk: the attempt an event settles is in it.
        if let settlement = AttemptRow.settlement(by: recorded), let attempt = chunk.attempts[settlement.position] {
            chunk.attempts[settlement.position] = attempt.settled(by: settlement)
        }
        if let refund = RefundRow.of(recorded, jobBefore: state) { chunk.refunds.append(refund) }
        if let late = LateCompletionRow.of(recorded, jobID: state.jobID) { chunk.lateCompletions.append(late) }
        state.apply(recorded.event, version: recorded.version, at: recorded.recordedAt, forRowOnly: true)
    }

    private func foldOrphan(_ recorded: RecordedEvent, provider: String, _ chunk: inout RebuildChunk) {
        add(Contribution.ofOrphan(recorded, provider: provider), to: &chunk)
        if case .webhookReceived(let webhook) = recorded.event { chunk.orphans.append((recorded, webhook)) }
    }

    private func add(_ contribution: Contribution, to chunk: inout RebuildChunk) {
        if let account = contribution.account {
            chunk.accounts[account.account, default: .init(account: account.account)].add(account)
        }
        if let provider = contribution.provider {
            chunk.providers[provider.provider, default: .init(provider: provider.provider)].add(provider)
        }
    }
}

/// A bounded hand-over from the folding threads to the writer: senders wait
/// when it is full, so memory stays at `capacity` chunks.
final class ChunkChannel: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [RebuildChunk] = []
    private var openProducers: Int
    private let capacity: Int
    private(set) var failure: (any Error)?

    init(producers: Int, capacity: Int) {
        openProducers = producers
        self.capacity = capacity
    }

    /// Hands `chunk` over; false when the rebuild failed and the sender should stop.
    func send(_ chunk: RebuildChunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= capacity, failure == nil { condition.wait() }
        guard failure == nil else { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    /// The receiver failed: wake and stop every sender.
    func cancel(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        chunks.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    func finish(_ error: (any Error)?) {
        condition.lock()
        openProducers -= 1
        if let error, failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or `nil` once every producer finished (or one failed).
    func receive() -> RebuildChunk? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty, openProducers > 0, failure == nil { condition.wait() }
        guard failure == nil, !chunks.isEmpty else { return nil }
        let chunk = chunks.removeFirst()
        condition.broadcast()
        return chunk
    }
}
