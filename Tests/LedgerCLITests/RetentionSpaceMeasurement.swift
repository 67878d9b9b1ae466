import Foundation
import GRDB
import LedgerCore
@testable import LedgerStore
import LedgerTesting
import Testing

/// Bytes per event before and after retention, and the longest pause of a
/// stream of appends while a retention run goes: a measurement, run with
/// `LEDGER_MEASURE_RETENTION=<events>` (e.g. 1000000), printed, not asserted.
@Suite struct RetentionSpaceMeasurement {
    static let events = Int(ProcessInfo.processInfo.environment["LEDGER_MEASURE_RETENTION"] ?? "") ?? 0

    @Test(.enabled(if: events > 0)) func bytesPerEventAndTheLongestIngestPause() async throws {
        // The space, on a ledger nothing else writes to during the run.
        let (spaceStore, spacePath) = try await Self.oldLedger()
        let before = try await Self.bytes(spaceStore, spacePath)
        let count = Double(try await spaceStore.head().position)
        let run = RetentionRun(cutoff: Timestamp(iso8601: "2027-01-01T00:00:00.000Z")!, operatorName: "bench")
        let report = try await spaceStore.retainBodies(run, dryRun: false)
        let after = try await Self.bytes(spaceStore, spacePath)
        let verify = try await spaceStore.verify(progress: { _ in })
        let vacuumStarted = ContinuousClock.now
        try await spaceStore.pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        let vacuumTook = ContinuousClock.now - vacuumStarted
        let vacuumed = try await Self.bytes(spaceStore, spacePath)

        // The pause, on a twin ledger taking appends all through its run.
        let (store, _) = try await Self.oldLedger()
        var quiet = Duration.zero
        for index in 0..<2_000 { quiet = max(quiet, try await Self.probe(store, index)) }
        let stop = Shared(false)
        async let pauses: (Duration, Int) = {
            var longest = Duration.zero
            var probes = 0
            while !stop.withLock({ $0 }) {
                longest = max(longest, try await Self.probe(store, probes))
                probes += 1
            }
            return (longest, probes)
        }()
        let started = ContinuousClock.now
        _ = try await store.retainBodies(run, dryRun: false)
        let took = ContinuousClock.now - started
        stop.withLock { $0 = true }
        let (longest, probes) = try await pauses
        print("""
            retention measurement, \(Int(count)) events, \(report.count) bodies redacted, verify \(verify.isSound):
              bytes per event before \(Int(Double(before) / count)), after \(Int(Double(after) / (count + 1))), \
            after VACUUM \(Int(Double(vacuumed) / (count + 1))) (VACUUM took \(vacuumTook))
              the run on the twin took \(took); \(probes) appends meanwhile, the longest \(longest) \
            (the longest of 2,000 before the run: \(quiet))
            """)
    }

    /// A ledger of `events` webhooks recorded months ago, each with a
    /// Replicate-sized body (about 1.5 KB: input, logs, URLs).
    static func oldLedger() async throws -> (SQLiteEventStore, String) {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock(Timestamp(iso8601: "2026-06-01T10:00:00.000Z")!)
        var options = StoreOptions(clock: { clock.now })
        options.durability = .normal
        let store = try SQLiteEventStore(path: path, options: options)
        let jobs = 1_000
        for job in 0..<jobs { _ = try await store.execute(Fixtures.register("job_\(job)", cost: 10, externalID: "ext_\(job)")) }
        let filler = String(repeating: "frame 0042/0120 rendered in 0.83s; ", count: 36)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: Self.events, by: 8) {
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
        return (store, path)
    }

    /// One append's latency.
    static func probe(_ store: SQLiteEventStore, _ index: Int) async throws -> Duration {
        let started = ContinuousClock.now
        _ = try await store.append(AppendRequest(stream: "probe", events: [NewEvent(
            .operatorAction(OperatorAction(operatorName: "probe", action: "note", reason: "\(index)")), metadata: Fixtures.app)]))
        return ContinuousClock.now - started
    }

    /// The file and its WAL, after a checkpoint.
    static func bytes(_ store: SQLiteEventStore, _ path: String) async throws -> Int {
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let size = { (file: String) in ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        return size(path) + size(path + "-wal")
    }
}
