import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct VerifyTests {
    /// A ledger with a little history, closed, and a copy of its file.
    func copyOfLedger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        do {
            let store = try SQLiteEventStore(path: path)
            _ = try await store.execute(Fixtures.register("j", cost: 10, externalID: "x"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
            _ = try await store.execute(Fixtures.register("k", cost: 5))
            #expect(try await store.verify().isSound)
        }
        let copy = Fixtures.temporaryDatabasePath("copy.sqlite")
        try DatabaseQueue(path: path).backup(to: DatabaseQueue(path: copy))
        return copy
    }

    /// Tampering as an attacker with the file would: drop the guard, edit, restore the guard.
    func tamper(_ path: String, _ sql: String) throws {
        let raw = try DatabaseQueue(path: path)
        try raw.write { db in
            let trigger = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'events_refuse_update'") ?? ""
            try db.execute(sql: "DROP TRIGGER events_refuse_update")
            try db.execute(sql: sql)
            try db.execute(sql: trigger)
        }
    }

    @Test func aModifiedRowIsCaughtAtItsPosition() async throws {
        let copy = try await copyOfLedger()
        try tamper(copy, #"UPDATE events SET data = json_set(data, '$.amount', 1000) WHERE position = 4"#)
        let report = try await SQLiteEventStore(path: copy).verify()
        #expect(!report.isSound)
        #expect(report.firstBadPosition == 4)
        #expect(report.findings.first?.check == "chain")
    }

    @Test func aRemovedTriggerIsReported() async throws {
        let copy = try await copyOfLedger()
        try await DatabaseQueue(path: copy).write { try $0.execute(sql: "DROP TRIGGER events_refuse_delete") }
        let report = try await SQLiteEventStore(path: copy).verify()
        #expect(report.findings.contains { $0.check == "triggers" && $0.detail.contains("events_refuse_delete") })
    }

    @Test func aDoubleRefundWithARecomputedChainIsStillCaught() async throws {
        // An insider who recomputes every hash still cannot hide a second refund.
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j", cost: 10, externalID: "x"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        let refund = CreditRefunded(account: "acct_1", amount: 10, evidencePosition: 2)
        _ = try await store.append(AppendRequest(stream: "job-j", events: [NewEvent(.creditRefunded(refund), metadata: Fixtures.app)]))
        let report = try await store.verify()
        #expect(report.findings.contains { $0.detail.contains("refunded more than once") && $0.position == 5 })
    }

    /// A forged decision appended around the decider: verify names it.
    func forged(_ event: LedgerEvent, after setup: [LedgerRequest]) async throws -> VerificationReport {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        for request in setup { _ = try await store.execute(request) }
        _ = try await store.append(AppendRequest(stream: "job-j", events: [NewEvent(event, metadata: Fixtures.app)]))
        return try await store.verify()
    }

    @Test func aRefundWithoutAFailureIsCaught() async throws {
        let report = try await forged(.creditRefunded(CreditRefunded(account: "acct_1", amount: 10, evidencePosition: 1)),
                                      after: [Fixtures.register("j", cost: 10)])
        #expect(report.findings.contains { $0.detail.contains("without an earlier job.failed") })
    }

    @Test func aRefundToAnotherAccountIsCaught() async throws {
        let report = try await forged(.creditRefunded(CreditRefunded(account: "thief", amount: 10, evidencePosition: 2)),
                                      after: [Fixtures.register("j", cost: 10),
                                              .job(jobID: "j", command: .resolveFailed(OperatorAction(operatorName: "o", action: "resolve_failed", reason: "r")),
                                                   metadata: Fixtures.app)])
        #expect(report.findings.contains { $0.detail.contains("an account other than the job's") })
    }

    @Test func aRechargeOfTheWrongAmountIsCaught() async throws {
        let report = try await forged(.creditRecharged(CreditRecharged(account: "acct_1", amount: 99, evidencePosition: 2)),
                                      after: [Fixtures.register("j", cost: 10, externalID: "x"),
                                              Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")),
                                              Fixtures.deliver(Fixtures.webhook("x", .completed, delivery: "d2"))])
        #expect(report.findings.contains { $0.detail.contains("not the amount refunded") })
    }

    @Test func aDecisionOnADuplicateIsCaught() async throws {
        let report = try await forged(.jobFailed(JobFailed(source: .webhook, reason: "r", evidencePosition: 3)),
                                      after: [Fixtures.register("j", cost: 0, externalID: "x"),
                                              Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "d1")),
                                              Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "d1"))])
        #expect(report.findings.contains { $0.detail.contains("evidence is a duplicate webhook") })
    }

    @Test func anImportThatChainsButPaysTwiceIsRejected() async throws {
        let source = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await source.execute(Fixtures.register("j", cost: 10, externalID: "x"))
        _ = try await source.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        let refund = CreditRefunded(account: "acct_1", amount: 10, evidencePosition: 2)
        _ = try await source.append(AppendRequest(stream: "job-j", events: [NewEvent(.creditRefunded(refund), metadata: Fixtures.app)]))
        let lines = try await TransferTests().exportLines(source)
        let target = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        await #expect(throws: StoreError.importRejected(line: 5, detail: "breaks an invariant: job-j: refunded more than once")) {
            try await target.importEvents(lines: lines)
        }
        #expect(try await target.head() == .genesis)
    }
}
