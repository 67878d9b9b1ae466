import Foundation
import LedgerCore
import LedgerProviders
import LedgerStore
import LedgerTesting
import GRDB
import LedgerSQLite

/// Where the time of one event goes on the read paths (rebuild, replay):
/// decoding its payload, its metadata, folding it; and a webhook's signature
/// check. `ledger-bench --micro`.
struct MicroBenchmark {
    func run() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(durability: .normal))
        var generator = SeededGenerator(seed: 1)
        for request in RandomWorkload(jobCount: 300, stepsPerJob: 12).requests(using: &generator) { _ = try? await store.execute(request) }
        let stored = try await store.events(after: 0, limit: 100_000)
        let codec = EventCodec()
        let rounds = max(1, 200_000 / stored.count)
        let total = Double(stored.count * rounds)
        let read = try await Measure.seconds { for _ in 0..<rounds { _ = try await store.events(after: 0, limit: 100_000) } }
        let payload = try await Measure.seconds {
            for _ in 0..<rounds { for event in stored { _ = try codec.decode(type: event.type, schemaVersion: event.schemaVersion, data: event.data) } }
        }
        // As a rebuild reads a job's events: from bytes, skipping what no fold reads.
        let foldOnly = try await Measure.seconds {
            for _ in 0..<rounds {
                for event in stored {
                    guard let type = EventType(rawValue: event.type) else { throw StoreError.corrupt("type \(event.type)") }
                    var data = event.data
                    _ = try data.withUTF8 { bytes in
                        try codec.decode(type: type, schemaVersion: event.schemaVersion, utf8: bytes, foldOnly: true)
                    }
                }
            }
        }
        let metadata = try await Measure.seconds {
            for _ in 0..<rounds { for event in stored { _ = try codec.decodeMetadata(event.metadata) } }
        }
        let decoded = try stored.map { try $0.decoded() }
        let fold = await Measure.seconds {
            for _ in 0..<rounds {
                var states: [String: JobState] = [:]
                for event in decoded { states[event.stream, default: JobState(jobID: event.stream)].apply(event) }
            }
        }
        let encode = await Measure.seconds {
            for _ in 0..<rounds { for event in decoded { _ = codec.encodeData(event.event) } }
        }
        let hash = await Measure.seconds { for _ in 0..<rounds { for event in stored { _ = ChainHasher.hash(of: event) } } }
        let jobIDs = (0..<300).map { "job_\($0)" }
        let replay = try await Measure.seconds {
            for _ in 0..<rounds { for jobID in jobIDs { _ = try await store.replay(jobID: jobID) } }
        }
        let replaySync = try await store.read { db in
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<rounds { for jobID in jobIDs { _ = try SQLiteEventStore.replayInTransaction(jobID: jobID, db) } }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var trips: [Double] = []
        for _ in 0..<2000 { trips.append(try await Measure.seconds { _ = try await store.writerSynchronousLevel() } * 1e6) }
        print(String(format: "  %-34@ %7.1f µs p50", "writer round trip, empty work" as NSString, Measure.median(trips)))
        for (name, seconds) in [("replay (store API per job)", replay),
                                ("replay (one read, all jobs)", replaySync)] {
            print(String(format: "  %-34@ %7.2f µs/event", name as NSString, seconds / total * 1e6))
        }
        print(String(format: "  %-34@ %7.2f µs/webhook", "verify a v1 signature (one secret)" as NSString, try await signatureCheckSeconds() * 1e6))
        for (name, seconds) in [("read rows (SQLite + StoredEvent)", read), ("decode payload", payload),
                                ("decode payload, fold-only (rebuild)", foldOnly), ("decode metadata", metadata),
                                ("fold", fold), ("encode payload", encode), ("chain hash", hash)] {
            print(String(format: "  %-34@ %7.2f µs/event", name as NSString, seconds / total * 1e6))
        }
    }

    /// One Standard Webhooks `v1` check as `serve` makes it, on a delivery
    /// like the ingest benchmark's (a Replicate progress body), per check.
    private func signatureCheckSeconds() async throws -> Double {
        let verifier = try StandardWebhookVerifier(secret: "whsec_" + Data("micro-benchmark-secret-0123".utf8).base64EncodedString())
        let body = Data(#"{"id":"ext_17","status":"processing","logs":"step 3 of 10\n","output":null,"created_at":"2026-12-06T21:00:00.000Z"}"#.utf8)
        let now = Int64(Date().timeIntervalSince1970), timestamp = String(now)
        guard let mac = verifier.sign(id: "msg_2Lh0nL7q", timestamp: timestamp, body: body) else {
            preconditionFailure("a whsec_ secret gives the verifier a v1 key")
        }
        let header = "v1," + mac.base64EncodedString()
        let checks = 200_000
        return try await Measure.seconds {
            for _ in 0..<checks { try verifier.verify(id: "msg_2Lh0nL7q", timestamp: timestamp, signatures: header, body: body, now: now) }
        } / Double(checks)
    }
}
