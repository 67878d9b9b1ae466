import Foundation
import LedgerCore

extension EventStore {
    /// Writes the events after `position` as JSON lines, one ``StoredEvent``
    /// each, on any engine; `data` and `metadata` stay the stored text, so the
    /// chain of the exported lines verifies byte for byte wherever they go.
    public func exportLines(after position: Int64, to handle: FileHandle, batchCount: Int) async throws(StoreError) -> Int64 {
        var last = position
        var count: Int64 = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        while true {
            let batch = try await events(after: last, limit: batchCount)
            guard !batch.isEmpty else { return count }
            var chunk = Data()
            for event in batch {
                do { chunk.append(try encoder.encode(event)) } catch { preconditionFailure("StoredEvent always encodes") }
                chunk.append(0x0A)
            }
            handle.write(chunk)
            count += Int64(batch.count)
            last = batch[batch.count - 1].position
        }
    }
}

extension JobTimeline {
    /// The timeline folded from a job's stored events in version order, up to
    /// `limit` (the cut-off comes before decoding: a replay as of a time
    /// before an event this build cannot read still answers). The SQLite
    /// engine folds straight from its rows instead (measured 2.5× faster).
    public static func folding(jobID: String, _ events: [StoredEvent], until limit: ReplayLimit,
                               codec: EventCodec = EventCodec()) throws(StoreError) -> JobTimeline? {
        guard !events.isEmpty else { return nil }
        var state = JobState(jobID: jobID)
        var steps: [Step] = []
        for stored in events {
            if case .position(let last) = limit, stored.position > last { break }
            if case .asOf(let time) = limit, let at = Timestamp(iso8601: stored.recordedAt), at > time { break }
            do {
                let (event, at) = try stored.decodedForFold(with: codec)
                state.apply(event, version: stored.version, at: at)
            } catch {
                throw .corrupt("event at position \(stored.position): \(error)")
            }
            steps.append(Step(stored: stored, state: state))
        }
        return JobTimeline(jobID: jobID, steps: steps)
    }
}

extension JobState {
    /// The job folded from its stored events in version order (what the
    /// writers cache; only the fold's fields are decoded).
    public init(jobID: String, folding events: [StoredEvent], codec: EventCodec) throws(StoreError) {
        self.init(jobID: jobID)
        for event in events {
            do {
                let (decoded, at) = try event.decodedForFold(with: codec)
                apply(decoded, version: event.version, at: at)
            } catch {
                throw .corrupt("event at position \(event.position): \(error)")
            }
        }
    }
}

extension StoredEvent {
    /// Exported lines read back (``exportLines`` writes them), each with its index among `lines` (empty lines skipped).
    public static func decodeExported(_ lines: [String]) throws(StoreError) -> [(index: Int, event: StoredEvent)] {
        let decoder = JSONDecoder()
        var events: [(index: Int, event: StoredEvent)] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do { events.append((index, try decoder.decode(StoredEvent.self, from: Data(line.utf8)))) } catch let error as DecodingError {
                throw StoreError.importRejected(line: index + 1, detail: "not an exported event: \(error.plainDescription(of: "the line"))")
            } catch {
                throw StoreError.importRejected(line: index + 1, detail: "not an exported event")
            }
        }
        return events
    }
}
