import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore

/// Store appends under durability `full`, at transaction sizes 1, 10 and 100,
/// against the raw baseline inserting the same rows.
struct AppendBenchmark {
    let runs: Int
    let freshPath: (String) -> String
    let codec = EventCodec()
    let metadata = EventMetadata(actor: "provider:replicate", source: "bench", correlationID: "req-0001")

    func event(_ index: Int) -> LedgerEvent {
        let body = #"{"id":"pred_\#(index)","status":"processing","output":null,"logs":"step \#(index)","metrics":{}}"#
        return .webhookReceived(WebhookReceived(
            deliveryID: "msg_\(index)", provider: "replicate", externalID: "pred_\(index)",
            reportedStatus: .processing, rawStatus: "processing", outputs: .null,
            bodySHA256: ChainHasher.digest(body), body: body))
    }

    func run(into report: inout Report) async throws {
        for (batch, count) in [(1, 1500), (10, 10_000), (100, 50_000)] {
            var store: [Double] = [], grouped: [Double] = [], raw: [Double] = [], commitSizes: [Double] = []
            let events = (0..<count).map { NewEvent(event($0), metadata: metadata) }
            let rows = events.enumerated().map { index, new in
                BenchRow(stream: "bench-\(index % 100)", type: new.event.type.rawValue,
                         recordedAt: Timestamp(Date()).iso8601, data: codec.encodeData(new.event),
                         metadata: codec.encodeMetadata(new.metadata))
            }
            for _ in 0..<runs {
                raw.append(rate(count, rawRun(rows, batch: batch)))
                store.append(rate(count, try await storeRun(events, batch: batch)))
                let (seconds, averageCommit) = try await groupCommitRun(events, concurrency: batch)
                grouped.append(rate(count, seconds))
                commitSizes.append(averageCommit)
            }
            let ratio = Measure.median(store) / Measure.median(raw)
            report.add("appends/s, \(batch) per transaction (one request of \(batch) events)",
                       store: formatted(Measure.median(store)), baseline: formatted(Measure.median(raw)),
                       ratio: String(format: "%.2f", ratio))
            report.add("appends/s, \(batch) concurrent 1-event requests (group commit, avg \(String(format: "%.1f", Measure.median(commitSizes))) per commit)",
                       store: formatted(Measure.median(grouped)), baseline: formatted(Measure.median(raw)),
                       ratio: String(format: "%.2f", Measure.median(grouped) / Measure.median(raw)))
        }
    }

    private func rawRun(_ rows: [BenchRow], batch: Int) -> Double {
        let path = freshPath("raw.sqlite")
        do { _ = try SQLiteEventStore(path: path) } catch { fatalError("schema: \(error)") }
        return RawBaseline(path: path).append(rows, batch: batch)
    }

    private func storeRun(_ events: [NewEvent], batch: Int) async throws -> Double {
        let store = try SQLiteEventStore(path: freshPath("store.sqlite"))
        return try await Measure.seconds {
            var index = 0
            while index < events.count {
                let slice = Array(events[index..<min(index + batch, events.count)])
                _ = try await store.append(AppendRequest(stream: "bench-\(index % 100)", events: slice))
                index += batch
            }
        }
    }

    /// `concurrency` callers, each appending one event per request, sharing commits.
    private func groupCommitRun(_ events: [NewEvent], concurrency: Int) async throws -> (Double, Double) {
        let store = try SQLiteEventStore(path: freshPath("grouped.sqlite"))
        let perCaller = events.count / concurrency
        let seconds = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<concurrency {
                    group.addTask {
                        for index in (caller * perCaller)..<((caller + 1) * perCaller) {
                            _ = try await store.append(AppendRequest(stream: "bench-\(index % 100)", events: [events[index]]))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let statistics = store.batchStatistics
        return (seconds, Double(statistics.requests) / Double(max(1, statistics.commits)))
    }
}
