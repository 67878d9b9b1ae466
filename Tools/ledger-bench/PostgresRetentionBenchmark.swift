import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import LedgerTesting

/// `--retention-postgres [events] [body bytes]`: the retention benchmark's
/// log on PostgreSQL (a throwaway server, as the tests start). The `events`
/// table's size with its indexes and TOAST before retention, after it, after
/// a plain `VACUUM`, and after as many webhooks again: PostgreSQL does not
/// shrink the table, so the question is whether the room the bodies left is
/// reused by the rows that come after.
struct PostgresRetentionBenchmark {
    var events = 100_000
    var bodyBytes = 1_300

    func run() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let clock = ManualClock(Timestamp(iso8601: "2026-06-01T10:00:00.000Z")!)
        let store = try await PostgresEventStore.open(url: server.url(database: database), options: StoreOptions(clock: { clock.now }))
        for job in 0..<RetentionBenchmark.jobs {
            _ = try await store.execute(Fixtures.register("job_\(job)", cost: 10, externalID: "ext_\(job)"))
        }
        try await RetentionBenchmark.deliverWebhooks(to: store, indices: 0..<events, bodyBytes: bodyBytes, clock: clock)
        func bytes() throws -> Int64 {
            try server.psql("VACUUM events", database: database)
            return Int64(try server.psql("SELECT pg_total_relation_size('events')", database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let count = try await store.head().position
        let before = try bytes()
        let run = RetentionRun(cutoff: Timestamp(iso8601: "2100-01-01T00:00:00.000Z")!, operatorName: "bench")
        let seconds = try await Measure.seconds { _ = try await store.retainBodies(run, dryRun: false) }
        let after = try bytes()
        let sound = try await store.verify(progress: { _ in }).isSound
        try await RetentionBenchmark.deliverWebhooks(to: store, indices: events..<(2 * events), bodyBytes: bodyBytes, clock: clock)
        let doubled = try bytes()
        await store.close()
        try server.psql("DROP DATABASE \(database)")
        print("retention on PostgreSQL, \(count) events with bodies of \(bodyBytes) bytes, verify \(sound ? "ok" : "FAILED"):")
        print("  events table bytes per event (each figure after a plain VACUUM): before \(before / count), "
              + "after retention \(after / count) (run \(String(format: "%.1f", seconds)) s)")
        print("  after \(events) more webhooks: \(doubled - after) bytes grown, \((doubled - after) / Int64(events)) per new event, "
              + "against \(before / count) per event for the first \(count)")
    }
}
