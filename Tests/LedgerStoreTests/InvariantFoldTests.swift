import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The invariants as one fold (what every engine's `verify` and `import`
/// feed): the cases the per-rule conformance checks do not reach.
@Suite struct InvariantFoldTests {
    private func fold(_ events: [(stream: String, version: Int64, event: LedgerEvent)]) -> InvariantFold {
        var fold = InvariantFold()
        for (index, entry) in events.enumerated() {
            fold.observe(position: Int64(index + 1), stream: entry.stream, version: entry.version, event: entry.event)
        }
        return fold
    }

    private func registered(_ job: String, cost: Int64 = 10, account: String = "a") -> LedgerEvent {
        .jobRegistered(JobRegistered(jobID: job, account: account, provider: "replicate", operation: "o", cost: cost))
    }

    @Test func evidenceFromAnotherStreamIsNamedAtTheDecision() {
        let found = fold([
            ("job-a", 1, registered("a")),
            ("job-b", 1, registered("b")),
            ("job-b", 2, .jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: 1))),
            ("job-b", 3, .creditRefunded(CreditRefunded(account: "a", amount: 10, evidencePosition: 3))),
        ]).violations()
        #expect(found == [.init(rule: .evidenceIsAnEarlierEventOfTheStream, position: 3, stream: "job-b")])
    }

    @Test func aDecisionMayCiteItselfButNotALaterPosition() {
        let own = fold([("job-a", 1, registered("a", cost: 0)),
                        ("job-a", 2, .jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: 2)))])
        #expect(own.violations().isEmpty)
        let later = fold([("job-a", 1, registered("a", cost: 0)),
                          ("job-a", 2, .jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: 3))),
                          ("job-a", 3, .jobSubmitted(JobSubmitted(externalID: "x")))])
        #expect(later.violations().map(\.rule) == [.evidenceIsAnEarlierEventOfTheStream])
    }

    @Test func versionsWithAGapAreNamedAtTheStreamsFirstEvent() {
        let found = fold([("orphans-replicate", 1, .jobSubmitted(JobSubmitted(externalID: "x"))),
                          ("job-a", 1, registered("a", cost: 0)),
                          ("job-a", 3, .jobSubmitted(JobSubmitted(externalID: "y")))]).violations()
        #expect(found == [.init(rule: .versionsWithoutAGap, position: 2, stream: "job-a")])
    }

    @Test func theBalanceIsComparedBothWays() {
        let moved = fold([("job-a", 1, registered("a", account: "acct")),
                          ("job-a", 2, .jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: 2))),
                          ("job-a", 3, .creditRefunded(CreditRefunded(account: "acct", amount: 10, evidencePosition: 2))),
                          ("orphans-x", 1, registered("o", account: "elsewhere"))])
        let right = CreditMoves(charged: 10, refunded: 10)
        #expect(moved.firstBalanceMismatch(projected: [("acct", right)]) == nil)
        #expect(moved.firstBalanceMismatch(projected: [("acct", CreditMoves(charged: 10, refunded: 9))]) == "acct")
        #expect(moved.firstBalanceMismatch(projected: []) == "acct")
        #expect(moved.firstBalanceMismatch(projected: [("acct", right), ("ghost", CreditMoves())]) == "ghost")
        // Byte for byte, as the database keys accounts: a decomposed "é" is another account.
        #expect(moved.firstBalanceMismatch(projected: [("acct", right), ("e\u{301}", CreditMoves())]) == "e\u{301}")
    }

    /// After the chain breaks every later hash is suspect, but the rules are
    /// still read from every event: a refund paid twice past the break is named.
    @Test func theInvariantsAreJudgedPastAChainBreak() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j", cost: 10, externalID: "x"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        var events = try await store.events(after: 0, limit: 100)
        let refund = try #require(events.first { $0.type == EventType.creditRefunded.rawValue })
        let nextVersion = (events.filter { $0.stream == refund.stream }.map(\.version).max() ?? 0) + 1
        events[1].prevHash = String(repeating: "0", count: 64)
        events.append(StoredEvent(position: Int64(events.count + 1), stream: refund.stream, version: nextVersion,
                                  type: refund.type, schemaVersion: refund.schemaVersion, recordedAt: refund.recordedAt,
                                  data: refund.data, dataSHA256: refund.dataSHA256, metadata: refund.metadata,
                                  idempotencyKey: nil, prevHash: events[events.count - 1].hash, hash: ""))
        var walk = VerifyWalk(retentionRuns: [])
        for event in events { walk.visit(event, progress: { _ in }) }
        let report = walk.finish(projectedBalances: [("acct_1", CreditMoves(charged: 10, refunded: 20))])
        #expect(report.findings.map(\.check) == ["chain", "invariant"], "\(report.findings)")
        #expect(report.findings.first?.position == 2)
        #expect(report.findings.last?.detail.hasSuffix(LedgerInvariant.refundedOnce.text) == true)
        #expect(report.head == nil)
    }

    /// A log the service wrote registers a job once; a re-hashed file may not:
    /// that is a rule of its own, and each rule about the registration holds
    /// against every one of them.
    @Test func everyRegistrationOfAStreamIsHeldToTheRules() {
        let free = registered("a", cost: 0), charged = registered("a", cost: 10)
        let failed = LedgerEvent.jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: 3))
        let unrefunded = fold([("job-a", 1, free), ("job-a", 2, charged), ("job-a", 3, failed)]).violations()
        #expect(unrefunded.map(\.rule) == [.failedChargedJobRefunded, .registeredOnce])
        #expect(unrefunded.last?.position == 2, "named at the second registration")
        let refund = LedgerEvent.creditRefunded(CreditRefunded(account: "a", amount: 10, evidencePosition: 3))
        let twoCosts = fold([("job-a", 1, charged), ("job-a", 2, registered("a", cost: 20)), ("job-a", 3, failed), ("job-a", 4, refund)])
        #expect(twoCosts.violations().map(\.rule) == [.refundIsTheCost, .registeredOnce])
        let twoAccounts = fold([("job-a", 1, charged), ("job-a", 2, registered("a", account: "b")), ("job-a", 3, failed), ("job-a", 4, refund)])
        #expect(twoAccounts.violations().map(\.rule) == [.creditsToTheJobsAccount, .registeredOnce])
    }

    /// An event this build cannot read is named, never silently passed.
    @Test func anEventThatDoesNotDecodeIsNamed() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j", cost: 10))
        var events = try await store.events(after: 0, limit: 10)
        events[0].schemaVersion = 99
        var walk = VerifyWalk(retentionRuns: [])
        for event in events { walk.visit(event, progress: { _ in }) }
        let report = walk.finish(projectedBalances: [("acct_1", CreditMoves(charged: 10))])
        let decode = report.findings.first { $0.check == "decode" }
        #expect(decode?.position == 1 && decode?.detail.hasPrefix("job-j: the event does not decode") == true, "\(report.findings)")
        await store.close()
    }
}
