import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Synchronization

/// `--retention [events]`: bytes per event before and after retention (and
/// after a `VACUUM`), on a log of webhooks recorded months ago with
/// Replicate-sized bodies; then, on twin logs, the latencies of webhooks while
/// a retention run goes (in steps of 500, the default, and of 100), next to
/// those of 2,000 appends before it.
struct RetentionBenchmark {
    var events = 1_000_000
    /// About 1.3 KB, a Replicate status body with its logs; bodies past about
    /// 4 KB live in overflow pages, which retention gives back as it goes.
    var bodyBytes = 1_300
    /// Measure the appends' latencies on the default step's twin only
    /// (the other two twins take most of the time on a large log).
    var defaultStepOnly = false
    let folder: URL

    func run() async throws {
        let run = RetentionRun(cutoff: Timestamp(iso8601: "2100-01-01T00:00:00.000Z")!, operatorName: "bench")
        let (store, path) = try await oldLedger("space.sqlite")
        let count = try await store.head().position
        let before = try Self.bytes(path)
        let redacted = try await store.retainBodies(run, dryRun: false).count
        let after = try Self.bytes(path)
        let sound = try await store.verify(progress: { _ in }).isSound
        let vacuumSeconds = try await Measure.seconds { try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "VACUUM") } }
        let vacuumed = try Self.bytes(path)
        print("retention, \(count) events with bodies of \(bodyBytes) bytes, \(redacted) bodies redacted, verify \(sound ? "ok" : "FAILED"):")
        print("  bytes per event: before \(before / count), after \(after / (count + 1)), "
              + "after VACUUM \(vacuumed / (count + 1)) (VACUUM \(String(format: "%.1f", vacuumSeconds)) s, write lock held)")

        // The default; smaller steps; and no checkpoint by the writer's
        // commits (the WAL then holds every page the run rewrites).
        let cases = [(run.stepCount, true), (100, true), (run.stepCount, false)]
        for (stepCount, checkpoints) in defaultStepOnly ? Array(cases.prefix(1)) : cases {
            var stepped = run
            stepped.stepCount = stepCount
            try await measurePauses(stepped, checkpoints: checkpoints)
        }
    }

    /// On a twin log: appends one after another while `run` goes (first dry,
    /// which only plans, then for real), and their latencies next to those
    /// of 2,000 appends before it.
    private func measurePauses(_ run: RetentionRun, checkpoints: Bool) async throws {
        let (created, path) = try await oldLedger("pause-\(run.stepCount)-\(checkpoints).sqlite")
        var reopened = StoreOptions()
        reopened.durability = .normal
        reopened.walAutocheckpointPages = 0
        let twin = checkpoints ? created : try SQLiteEventStore(path: path, options: reopened)
        var quiet: [Double] = []
        for index in 0..<2_000 { quiet.append(try await Self.append(twin, index)) }
        print("  a twin log, redacted in steps of \(run.stepCount)\(checkpoints ? "" : ", commits never checkpoint the WAL"):")
        print("    2,000 appends before: \(Self.summary(quiet))")
        for dryRun in [true, false] {
            let (seconds, latencies) = try await Self.appending(to: twin) { _ = try await twin.retainBodies(run, dryRun: dryRun) }
            print("    appends during the \(dryRun ? "dry run (planning only)" : "run"), \(String(format: "%.1f", seconds)) s: "
                  + Self.summary(latencies))
        }
    }

    /// How long `work` took, and the latencies of appends made one after another meanwhile.
    private static func appending(to store: SQLiteEventStore, while work: () async throws -> Void) async throws -> (Double, [Double]) {
        let stop = Mutex(false)
        async let during: [Double] = {
            var latencies: [Double] = []
            while !stop.withLock({ $0 }) { latencies.append(try await append(store, latencies.count)) }
            return latencies
        }()
        let seconds = try await Measure.seconds { try await work() }
        stop.withLock { $0 = true }
        return (seconds, try await during)
    }

    private static func summary(_ latencies: [Double]) -> String {
        func milliseconds(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
        let sorted = latencies.sorted()
        let longest = latencies.indices.max { latencies[$0] < latencies[$1] }!
        let startOfLongest = latencies[..<longest].reduce(0, +)
        return "\(latencies.count) appends, p50 \(milliseconds(sorted[sorted.count / 2])), "
            + "p99 \(milliseconds(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])), longest \(milliseconds(sorted.last!)) "
            + "(\(String(format: "%.1f", startOfLongest)) s in), \(latencies.filter { $0 > 0.05 }.count) over 50 ms"
    }

    /// `events` webhooks for 1,000 jobs, recorded 0.1 s apart months ago, each with a body of about `bodyBytes`.
    private func oldLedger(_ name: String) async throws -> (SQLiteEventStore, String) {
        let path = folder.appendingPathComponent(name).path
        let clock = ManualClock(Timestamp(iso8601: "2026-06-01T10:00:00.000Z")!)
        var options = StoreOptions(clock: { clock.now })
        options.durability = .normal
        let store = try SQLiteEventStore(path: path, options: options)
        for job in 0..<Self.jobs { _ = try await store.execute(Fixtures.register("job_\(job)", cost: 10, externalID: "ext_\(job)")) }
        try await Self.deliverWebhooks(to: store, indices: 0..<events, bodyBytes: bodyBytes, clock: clock)
        return (store, path)
    }

    static let jobs = 1_000

    /// Webhook `index` for each index, to the jobs registered by the caller,
    /// 0.1 s apart on `clock`, each with a body of about `bodyBytes`.
    static func deliverWebhooks(to store: some EventStore, indices: Range<Int>, bodyBytes: Int, clock: ManualClock) async throws {
        let line = "frame 0042/0120 rendered in 0.83s; "
        let filler = String(repeating: line, count: max(1, bodyBytes / line.utf8.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: indices.lowerBound + worker, to: indices.upperBound, by: 8) {
                        clock.advance(milliseconds: 100)
                        var webhook = Fixtures.webhook("ext_\(index % jobs)", .processing, delivery: "d_\(index)")
                        webhook.body = #"{"id":"ext_\#(index % jobs)","status":"processing","logs":"\#(filler)","n":\#(index)}"#
                        webhook.bodySHA256 = ChainHasher.digest(webhook.body)
                        _ = try await store.execute(Fixtures.deliver(webhook))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// One webhook's latency in seconds: a progress report for one of the
    /// log's jobs, so it goes through ingest as a provider's would (the job's
    /// state from the writer's cache, or folded again from its stream).
    private static func append(_ store: SQLiteEventStore, _ index: Int) async throws -> Double {
        let webhook = Fixtures.webhook("ext_\(index % jobs)", .processing, delivery: "probe_\(UUID().uuidString)")
        return try await Measure.seconds { _ = try await store.execute(Fixtures.deliver(webhook)) }
    }

    /// The file and its WAL, after a checkpoint.
    private static func bytes(_ path: String) throws -> Int64 {
        try DatabaseQueue(path: path).writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let size = { (file: String) in ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int64) ?? 0 }
        return size(path) + size(path + "-wal")
    }
}
