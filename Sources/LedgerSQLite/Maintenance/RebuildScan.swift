import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// What folding a run of streams produced, for the writer to apply.
struct RebuildChunk: Sendable {
    var jobs: [JobState] = []
    /// What the chunk's events change besides the job rows, summed as a
    /// group commit sums them (``ProjectionDelta``).
    var projections = ProjectionDelta()
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
            if !rows.bytes(1, equal: streamBytes) {
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
                try chunk.projections.add(recorded, ofJob: job)
                job.apply(recorded.event, version: recorded.version, at: recorded.recordedAt, forRowOnly: true)
            } else if StreamName.orphanProvider(of: stream) != nil {
                chunk.projections.addOutsideJobs(recorded)
                // One provider's orphans are one stream: split it, or a chunk
                // could hold them all (their contributions are per event).
                if chunk.projections.orphans.count >= chunkStreamCount {
                    try emit(chunk)
                    chunk = RebuildChunk()
                }
            }
        }
        if inJobStream, job.isRegistered { chunk.jobs.append(job) }
        try emit(chunk)
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
