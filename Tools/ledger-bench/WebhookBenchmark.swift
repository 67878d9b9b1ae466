import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting

/// `--webhooks`: the store's share of durable ingest, without HTTP: 64
/// concurrent callers deliver webhooks (each a new delivery for one of 1,000
/// registered jobs) through `execute`, as the webhook route does.
struct WebhookBenchmark {
    let path: String
    var jobs = 1000
    var deliveries = 60_000
    var concurrency = 64

    func run() async throws {
        let store = try SQLiteEventStore(path: path)
        for index in 0..<jobs { _ = try await store.execute(Fixtures.register("job_\(index)", cost: 10, externalID: "ext_\(index)")) }
        let before = store.batchStatistics
        let perCaller = deliveries / concurrency
        let seconds = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<concurrency {
                    group.addTask {
                        for index in (caller * perCaller)..<((caller + 1) * perCaller) {
                            let webhook = Fixtures.webhook("ext_\(index % jobs)", .processing, delivery: "d_\(index)")
                            _ = try await store.execute(Fixtures.deliver(webhook))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let after = store.batchStatistics
        let commits = after.commits - before.commits
        print("webhooks through execute: \(formatted(rate(perCaller * concurrency, seconds), "/s")), "
              + "\(String(format: "%.1f", Double(after.requests - before.requests) / Double(max(1, commits)))) per commit, "
              + "\(commits) commits in \(String(format: "%.2f", seconds)) s; "
              + "writer CPU \(String(format: "%.1f", after.writerMicrosecondsPerRequest(since: before))) µs per webhook")
    }
}
