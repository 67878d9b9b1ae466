import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger audit` over a ledger with every kind of finding, as a real process.
@Suite struct AuditCommandTests {
    /// j_refund: failed by the watchdog (refund), then completed late; j_conflict: completed, then a failure
    /// webhook contradicts it and a later success agrees with it; an orphan never adopted.
    static func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j_refund", cost: 30, externalID: "x1"))
        let look = WatchdogDecision(decision: .fail, reason: "no terminal status before the deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        _ = try await store.execute(.job(jobID: "j_refund", command: .watchdog(look), metadata: Fixtures.app))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d1")))
        _ = try await store.execute(Fixtures.register("j_conflict", cost: 10, externalID: "x2"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x2", .completed, delivery: "d2")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x2", .failed, delivery: "d3")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x2", .completed, delivery: "d5")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("nobody", .completed, delivery: "d4")))
        return path
    }

    @Test func eachRefundShowsTheEvidenceThatCausedIt() async throws {
        let path = try await Self.ledger()
        let output = try await LedgerBinary.run(["audit", "refunds", "--db", path, "--format", "json"])
        #expect(output.status == 0, "\(output.stderr)")
        guard case .array(let rows)? = JSONValue(jsonText: output.stdout) else { Issue.record("not JSON: \(output.stdout)"); return }
        #expect(rows.count == 1, "one refund, however many reports followed")
        #expect(rows.first?["job_id"] == .string("j_refund") && rows.first?["evidence_type"] == .string("watchdog.decision"))
        #expect(rows.first?["evidence_source"] == .string("watchdog") && rows.first?["amount"] != nil)
    }

    @Test func lateCompletionsOrphansAndConflictsAreListed() async throws {
        let path = try await Self.ledger()
        let late = try await LedgerBinary.run(["audit", "late-completions", "--db", path, "--format", "csv"])
        #expect(late.stdout.hasPrefix("late_position,recorded_at,job_id,policy") && late.stdout.contains("j_refund,keep_refund,failed"),
                "\(late.stdout)")
        let orphans = try await LedgerBinary.run(["audit", "orphans", "--db", path])
        #expect(orphans.stdout.contains("nobody") && orphans.stdout.contains("d4"))
        let conflicts = try await LedgerBinary.run(["audit", "conflicts", "--db", path, "--format", "json"])
        guard case .array(let rows)? = JSONValue(jsonText: conflicts.stdout) else { Issue.record("not JSON"); return }
        #expect(rows.count == 1 && rows.first?["job_id"] == .string("j_conflict") && rows.first?["reported"] == .string("failed"),
                "the contradiction only, not the later report that agrees: \(rows)")
        #expect(try await LedgerBinary.run(["audit", "stuck", "--db", path]).stdout.contains("(no rows)"))
    }

    /// The conflicts report's limit counts contradictions, not the candidates
    /// the SQL selected before the core judged them.
    @Test func theConflictsLimitCountsContradictions() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        for (job, external) in [("j_a", "xa"), ("j_b", "xb")] {
            _ = try await store.execute(Fixtures.register(job, cost: 10, externalID: external))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(external, .completed, delivery: "\(job)_1")))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(external, .completed, delivery: "\(job)_2")))  // agrees
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(external, .failed, delivery: "\(job)_3")))  // contradicts
        }
        for (limit, jobs) in [(1, ["j_a"]), (2, ["j_a", "j_b"]), (9, ["j_a", "j_b"])] {
            let table = try await store.table(.audit(.conflicts, from: nil, to: nil, limit: limit))
            #expect(table.records.map { $0["job_id"] } == jobs, "limit \(limit)")
            #expect(table.records.allSatisfy { $0["reported"] == "failed" })
        }
    }

    @Test func theTimeWindowBoundsTheReportAndBadInputIsRefused() async throws {
        let path = try await Self.ledger()
        let future = try await LedgerBinary.run(["audit", "refunds", "--db", path, "--since", "2999-01-01T00:00:00Z"])
        #expect(future.status == 0 && future.stdout.contains("(no rows)"))
        let sneaky = try await LedgerBinary.run(["audit", "refunds", "--db", path, "--since", "2026-01-01' OR '1'='1"])
        #expect(sneaky.status == 2 && sneaky.stderr.contains("--since"))
        #expect(try await LedgerBinary.run(["audit", "everything", "--db", path]).status == 2)
        #expect(try await LedgerBinary.run(["audit", "refunds", "--db", path + ".missing"]).status == 3)
    }
}
