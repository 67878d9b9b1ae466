import Foundation
import LedgerCore
import LedgerPostgres
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The `stuck_jobs` view is for auditors' own SQL; the product judges by the
/// watchdog's policy (`ledger audit stuck`). The two state one rule, each
/// engine's view in its own shipped SQL: here they must name the same jobs,
/// for the same reasons, under the thresholds `serve` recorded.
@Suite struct StuckJobsViewTests {
    /// A new ledger on `engine` ("sqlite" or "postgres"): its location, the store,
    /// and the location an auditor's `ledger query` uses (PostgreSQL's reader
    /// role; the file itself on SQLite).
    static func ledger(on engine: String) async throws -> (url: String, store: any LedgerEngine, auditorURL: String) {
        guard engine == "postgres" else {
            let path = Fixtures.temporaryDatabasePath()
            return (path, try SQLiteEventStore(path: path), path)
        }
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let url = server.url(database: database)
        return (url, try await PostgresEventStore.open(url: url), try server.auditorURL(database: database))
    }

    @Test(arguments: ["sqlite", "postgres"])
    func theViewNamesTheJobsTheAuditNames(engine: String) async throws {
        let (url, store, auditorURL) = try await Self.ledger(on: engine)
        let policy = WatchdogPolicy(stuckAfterMilliseconds: 1000, deadlineMilliseconds: 86_400_000, submitDeadlineMilliseconds: 2000)
        try await store.recordSettings(policy.recordedSettings)
        _ = try await store.execute(Fixtures.register("never_submitted"))
        _ = try await store.execute(Fixtures.register("submitted_late", externalID: "x-late"))
        _ = try await store.execute(Fixtures.register("done", externalID: "x-done"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-done", .completed, delivery: "d1")))
        await store.close()
        // Past both thresholds (whole seconds, compared with `>`), the wait bounded.
        try await Task.sleep(for: .milliseconds(3200))
        let viewed = try await LedgerBinary.run(["query", "--db", auditorURL, "--format", "json",
                                                 "SELECT job_id, reason FROM stuck_jobs ORDER BY job_id"])
        let audited = try await LedgerBinary.run(["audit", "stuck", "--db", url, "--format", "json"])
        #expect(viewed.status == 0 && audited.status == 0, "\(viewed.stderr)\(audited.stderr)")
        func pairs(_ output: String) -> [String] {
            guard case .array(let rows)? = JSONValue(jsonText: output) else { return [] }
            return rows.compactMap { row in row["job_id"]?.stringValue.map { "\($0): \(row["reason"]?.stringValue ?? "")" } }.sorted()
        }
        #expect(pairs(viewed.stdout) == ["never_submitted: never submitted", "submitted_late: processing past stuck_after"],
                "\(viewed.stdout)")
        #expect(pairs(viewed.stdout) == pairs(audited.stdout), "the view: \(viewed.stdout)\nthe audit: \(audited.stdout)")
    }
}
