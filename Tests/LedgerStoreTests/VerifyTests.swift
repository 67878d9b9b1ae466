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

    /// The row rewritten with its own hash recomputed: only the next row's
    /// `prev_hash` still remembers it.
    @Test func aRowRewrittenWithItsHashRecomputedIsCaughtAtTheNextPosition() async throws {
        let copy = try await copyOfLedger()
        var webhook = try #require(try await SQLiteEventStore(path: copy).events(inStream: "job-j").first { $0.position == 2 })
        webhook.data = webhook.data.replacingOccurrences(of: "failed", with: "succeeded")
        webhook.dataSHA256 = ChainHasher.digest(webhook.data)
        webhook.hash = ChainHasher.hash(of: webhook)
        try tamper(copy, "UPDATE events SET data = '\(webhook.data.replacingOccurrences(of: "'", with: "''"))', data_sha256 = '\(webhook.dataSHA256)', hash = '\(webhook.hash)' WHERE position = 2")
        let report = try await SQLiteEventStore(path: copy).verify()
        #expect(report.findings.contains { $0.check == "chain" && $0.position == 3 && $0.detail.contains("prev_hash") }, "\(report.findings)")
    }

    /// The last row moved one position on, its hash recomputed for its new
    /// position: its `prev_hash` still matches, only the gap shows.
    @Test func aRowMovedOnWithItsHashRecomputedIsCaughtAsAGap() async throws {
        let copy = try await copyOfLedger()
        var last = try #require(try await SQLiteEventStore(path: copy).events(inStream: "job-k").last)
        last.position += 1
        last.hash = ChainHasher.hash(of: last)
        try tamper(copy, "UPDATE events SET position = \(last.position), hash = '\(last.hash)' WHERE position = \(last.position - 1)")
        let report = try await SQLiteEventStore(path: copy).verify()
        #expect(report.findings.contains { $0.check == "chain" && $0.position == last.position && $0.detail.contains("expected position") },
                "\(report.findings)")
    }

    /// The export of a ledger whose one webhook body a retention run redacted:
    /// registration, webhook (redacted), `retention.applied`.
    static func exportOfARetainedLedger() async throws -> [String] {
        let source = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await source.execute(Fixtures.register("j", cost: 10, externalID: "x"))
        _ = try await source.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        let cutoff = Timestamp(millisecondsSinceEpoch: Timestamp(Date()).millisecondsSinceEpoch + 60_000)
        #expect(try await source.retainBodies(RetentionRun(cutoff: cutoff, operatorName: "test"), dryRun: false).count == 1)
        let file = Fixtures.temporaryDatabasePath("export.jsonl")
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: file))
        _ = try await source.export(after: 0, to: handle)
        try handle.close()
        return try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// In a log imported elsewhere (no record of what retention redacted each
    /// body to), a body in a retention run's range changed to anything but the
    /// redaction is still named at its own position, not only at the run's.
    @Test func aBodyInARetainedRangeChangedToAnythingButTheRedactionIsNamedAtItsPosition() async throws {
        let path = Fixtures.temporaryDatabasePath("imported.sqlite")
        _ = try await SQLiteEventStore(path: path).importEvents(lines: try await Self.exportOfARetainedLedger())
        #expect(try await SQLiteEventStore(path: path).verify().isSound)
        try tamper(path, "UPDATE events SET data = json_set(data, '$.body', 'forged') WHERE position = 2")
        let report = try await SQLiteEventStore(path: path).verify()
        #expect(report.findings.contains { $0.position == 2 && $0.detail.contains("the body was modified") }, "\(report.findings)")
    }

    /// An export's prefix cut before a retention run's event holds redacted
    /// bodies with nothing in it that says so: the refusal says which of the
    /// two it may be, not only "modified" (it read as tampering).
    @Test func aPrefixCutBeforeItsRetentionRunIsNamedAsSuch() async throws {
        let lines = try await Self.exportOfARetainedLedger()
        let target = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath("prefix.sqlite"))
        await #expect { try await target.importEvents(lines: Array(lines.prefix(2))) } throws: { error in
            guard case StoreError.importRejected(let line, let detail) = error else { return false }
            return line == 2 && detail.contains("redacted by a retention run whose retention.applied event is not among the events read")
        }
        #expect(try await target.head() == .genesis)
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
