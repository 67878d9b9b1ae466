import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting

/// A realistic log of `events` events (most jobs short, one in ten with 50
/// events), then rebuild throughput and single-job replay latency on it.
struct LogBenchmark {
    let path: String
    let events: Int
    let runs: Int
    var rebuildOnly = false
    static let longJobEvents = 50

    func run(into report: inout Report) async throws {
        let store = try SQLiteEventStore(path: path, options: StoreOptions(durability: .normal))
        var jobs = Self.jobIDs(events: events)
        if try await store.head().position == 0 {
            let generationSeconds: Double
            let segments: [Double]
            (jobs, generationSeconds, segments) = try await generate(store)
            let generated = try await store.head().position
            report.add("decide+append events/s while generating (\(Self.jobsInFlight) jobs in flight, durability normal)",
                       store: formatted(rate(Int(generated), generationSeconds)))
            // How the append rate holds up as the log grows (each million events).
            for (index, segmentRate) in segments.enumerated() where segments.count > 1 {
                report.add("decide+append events/s, log from \(index) M to \(index + 1) M events", store: formatted(segmentRate))
            }
        }
        let head = try await store.head().position
        // Replays first: the rebuilds below rewrite every projection row, and the
        // WAL they leave slows every page read until it is checkpointed.
        if !rebuildOnly { try await replay(store, longJobs: jobs.filter { $0.hasPrefix("long") }, into: &report) }
        var rebuilds: [Double] = [], scans: [Double] = []
        for _ in 0..<runs {
            if !rebuildOnly { scans.append(rate(Int(head), try await Measure.seconds { _ = try await store.verify() })) }
            rebuilds.append(rate(Int(head), try await Measure.seconds { _ = try await store.rebuild() }))
        }
        report.add("rebuild events/s over \(formatted(Double(head))) events (vs ledger verify: chain + invariants)",
                   store: formatted(Measure.median(rebuilds)), baseline: scans.isEmpty ? "" : formatted(Measure.median(scans)),
                   ratio: scans.isEmpty ? "" : String(format: "%.2f", Measure.median(rebuilds) / Measure.median(scans)))
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        report.add("database bytes per event", store: formatted(Double(bytes) / Double(head)))
    }

    /// Each sampled job is replayed twice: the first replay touches its pages
    /// (cold or half-warm), the second finds them in memory (warm).
    private func replay(_ store: SQLiteEventStore, longJobs: [String], into report: inout Report) async throws {
        var generator = SeededGenerator(seed: 7)
        let sample = (0..<1000).map { _ in longJobs.randomElement(using: &generator) ?? "long_0" }
        var first: [Double] = [], warm: [Double] = []
        for jobID in sample {
            first.append(try await Measure.seconds { _ = try await store.replay(jobID: jobID) } * 1e6)
            warm.append(try await Measure.seconds { _ = try await store.replay(jobID: jobID) } * 1e6)
        }
        let held = try await store.read { db in
            try sample.map { jobID in
                _ = try SQLiteEventStore.replayInTransaction(jobID: jobID, db)
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try SQLiteEventStore.replayInTransaction(jobID: jobID, db)
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3
            }
        }
        var emptyReads: [Double] = []
        for _ in 0..<1000 { emptyReads.append(try await Measure.seconds { _ = try await store.read { _ in 0 } } * 1e6) }
        report.add("an empty read through the async store API (the hop and the read transaction), p50",
                   store: formatted(Measure.percentile(emptyReads, 0.5), "µs"))
        let events = Self.longJobEvents
        report.add("replay of a \(events)-event job, first touch, async store API, p50", store: formatted(Measure.percentile(first, 0.5), "µs"))
        report.add("replay of a \(events)-event job, warm, async store API, p50", store: formatted(Measure.percentile(warm, 0.5), "µs"))
        report.add("replay of a \(events)-event job, warm, async store API, p99", store: formatted(Measure.percentile(warm, 0.99), "µs"))
        report.add("replay of a \(events)-event job, warm, held reader connection, p50", store: formatted(Measure.percentile(held, 0.5), "µs"))
        report.add("replay of a \(events)-event job, warm, held reader connection, p99", store: formatted(Measure.percentile(held, 0.99), "µs"))
    }

    /// Jobs go through the real decider: registration, submission, webhooks
    /// routed by external id, polls, and a terminal report.
    private func generate(_ store: SQLiteEventStore) async throws -> ([String], Double, [Double]) {
        let jobs = Self.jobIDs(events: events)
        let started = Date()
        var lastReport = started
        var segments: [Double] = [], segmentStart = DispatchTime.now().uptimeNanoseconds
        let seconds = try await Measure.seconds {
            try await Self.drive(jobs, inFlight: Self.jobsInFlight, { jobID in try await Self.drive(jobID, store) }) { index in
                guard index % Self.jobsInFlight == 0 else { return }
                if try await store.head().position >= Int64(segments.count + 1) * 1_000_000 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    segments.append(1_000_000 / (Double(now - segmentStart) / 1e9))
                    segmentStart = now
                }
                if Date().timeIntervalSince(lastReport) > 10 {
                    lastReport = Date()
                    FileHandle.standardError.write(Data("  generating: \(index) of \(jobs.count) jobs\n".utf8))
                }
            }
        }
        return (jobs, seconds, segments)
    }

    /// Drives `jobs` with `inFlight` of them running throughout: each one
    /// that ends starts the next (in batches, each would wait for its
    /// slowest, a long job's 50 requests, and the rate would measure the
    /// waiting). `started` runs as job `index` starts.
    static func drive(_ jobs: [String], inFlight: Int, _ job: @escaping @Sendable (String) async throws -> Void,
                      started: (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, jobID) in jobs.enumerated() {
                if index >= inFlight { try await group.next() }
                group.addTask { try await job(jobID) }
                try await started(index)
            }
            try await group.waitForAll()
        }
    }

    /// Jobs driven at once by both log benchmarks (SQLite's and PostgreSQL's).
    static let jobsInFlight = 64

    static func jobIDs(events: Int) -> [String] {
        let averagePerJob = 0.9 * 7 + 0.1 * Double(longJobEvents)
        let jobCount = Int(Double(events) / averagePerJob)
        return (0..<jobCount).map { $0 % 10 == 0 ? "long_\($0)" : "short_\($0)" }
    }

    static func drive(_ jobID: String, _ store: any JobCommands) async throws {
        let externalID = "ext_\(jobID)"
        let index = Int(jobID.split(separator: "_")[1]) ?? 0
        _ = try await store.execute(Fixtures.register(jobID, cost: 10, externalID: externalID))
        let progressReports = jobID.hasPrefix("long") ? Self.longJobEvents - 3 : 4
        for step in 0..<progressReports {
            if step % 3 == 2 {
                _ = try await store.execute(.job(jobID: jobID, command: .poll(Fixtures.poll(.processing, attempt: step)),
                                                 metadata: Fixtures.app))
            } else {
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, .processing, delivery: "\(jobID)_\(step)")))
            }
        }
        let outcome: ReportedStatus = index % 7 == 0 ? .failed : .completed
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, outcome, delivery: "\(jobID)_done",
                                                                      outputs: .array([.string("https://cdn.example/\(jobID).mp4")]))))
    }
}
