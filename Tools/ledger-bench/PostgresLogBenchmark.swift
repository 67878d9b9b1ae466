import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import LedgerTesting

/// `--postgres-log [events]`: the log benchmark's workload on PostgreSQL
/// (the tests' server: `LEDGER_TEST_POSTGRES`, else a throwaway one), through
/// the real decider and group commit, plus a late webhook for one job in
/// twenty and a notification delivered, failed or dead-lettered for one in
/// ten; then `rebuild --check` (the live projections against a rebuild from
/// the log) and `rebuild`, timed. The database is dropped after.
struct PostgresLogBenchmark {
    var events = 1_000_000

    func run() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let store = try await PostgresEventStore.open(url: server.url(database: database), options: StoreOptions())
        let jobs = LogBenchmark.jobIDs(events: events)
        let generating = try await Measure.seconds {
            try await LogBenchmark.drive(jobs, inFlight: LogBenchmark.jobsInFlight, { jobID in
                try await LogBenchmark.drive(jobID, store)
                try await Self.afterTheOutcome(jobID, store)
            }) { index in
                if index % 12_800 == 0 { FileHandle.standardError.write(Data("  generating: \(index) of \(jobs.count) jobs\n".utf8)) }
            }
        }
        let head = try await store.head().position
        print("PostgreSQL log: \(head) events, \(jobs.count) jobs, generated in \(Int(generating)) s "
              + "(\(Int(Double(head) / generating)) events/s decided and appended, \(LogBenchmark.jobsInFlight) jobs in flight)")
        var check: RebuildCheck?
        let checking = try await Measure.seconds { check = try await store.rebuildCheck() }
        let differences = check?.differences ?? [:]
        print("rebuild --check: \(check?.eventsRead ?? 0) events read in \(String(format: "%.1f", checking)) s, "
              + (differences.isEmpty ? "clean" : "DIFFERENCES \(differences)"))
        let rebuilding = try await Measure.seconds { _ = try await store.rebuild() }
        print("rebuild: \(Int(Double(head) / rebuilding)) events/s (\(String(format: "%.1f", rebuilding)) s)")
        let sound = try await store.verify().isSound
        print("verify: \(sound ? "sound" : "FINDINGS")")
        await store.close()
        _ = try server.psql("DROP DATABASE \(database)")
        if !differences.isEmpty || !sound { exit(1) }
    }

    /// What the read side's own projections hold: a late webhook (one job in
    /// twenty) and a notification queued and attempted (one in ten: delivered,
    /// failing or dead-lettered).
    static func afterTheOutcome(_ jobID: String, _ store: any JobCommands) async throws {
        let index = Int(jobID.split(separator: "_")[1]) ?? 0
        if index % 20 == 1 {
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("ext_\(jobID)", .completed, delivery: "\(jobID)_late")))
        }
        guard index % 10 == 3 else { return }
        let notification = "ntf_\(jobID)"
        _ = try await store.execute(.job(jobID: jobID, command: .notification(.queue(notificationID: notification, event: "job.completed")),
                                         metadata: Fixtures.app))
        let status = [200, 500, 503][index % 3]
        _ = try await store.execute(.job(jobID: jobID, command: .notification(.attempted(
            notificationID: notification, httpStatus: status, error: status == 200 ? nil : "down", attemptsMax: status == 500 ? 1 : 8)),
                                         metadata: Fixtures.app))
    }
}
