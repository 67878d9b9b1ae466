import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct LedgerRulesStoreTests {
    func makeStore(_ options: StoreOptions = StoreOptions()) throws -> SQLiteEventStore {
        try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
    }

    @Test func oneHundredConcurrentIdenticalDeliveriesMakeOneDecisionAnd99Duplicates() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("j", cost: 50, externalID: "x"))
        let webhook = Fixtures.webhook("x", .failed, delivery: "same")
        let outcomes = try await withThrowingTaskGroup(of: LedgerOutcome.self) { group in
            for _ in 0..<100 { group.addTask { try await store.execute(Fixtures.deliver(webhook)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter(\.duplicate).count == 99)
        let job = try #require(try await store.job("j"))
        #expect(job.status == .failed && job.refundedAmount == 50 && job.webhookCount == 100 && job.duplicateCount == 99)
        let types = try await store.events(inStream: "job-j").map(\.type)
        #expect(types.filter { $0 == "credit.refunded" }.count == 1)
        #expect(store.batchStatistics.commits < store.batchStatistics.requests, "requests shared commits")
    }

    /// A duplicate by its delivery id alone (the id recorded with another body)
    /// is told apart from a retry and from the same body under a new id.
    @Test func aDeliveryIDReusedWithAnotherBodyIsADuplicateTheOutcomeNames() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("j", cost: 50, externalID: "x"))
        let first = Fixtures.webhook("x", .processing, delivery: "d1")
        var sameBodyNewID = first
        sameBodyNewID.deliveryID = "d2"
        let otherBodySameID = Fixtures.webhook("x", .completed, delivery: "d1")
        var outcomes: [LedgerOutcome] = []
        for webhook in [first, first, sameBodyNewID, otherBodySameID] { outcomes.append(try await store.execute(Fixtures.deliver(webhook))) }
        #expect(outcomes.map(\.duplicate) == [false, true, true, true])
        #expect(outcomes.map(\.reusedDeliveryID) == [false, false, false, true])
        #expect(try await store.job("j")?.status == .processing, "the reused id's completion decided nothing")
    }

    @Test func anOrphanIsStoredAndAdoptedWithItsDecisionsWhenTheJobIsSubmitted() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("j", cost: 20))
        let early = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .completed, delivery: "d1", outputs: .string("url"))))
        #expect(early.orphan && early.jobID == nil)
        #expect(try await store.events(inStream: "orphans-replicate").count == 1)
        let submitted = try await store.execute(Fixtures.submit("j", "x"))
        #expect(submitted.appended.map(\.type) == [.jobSubmitted, .webhookReceived, .jobCompleted])
        let job = try #require(try await store.job("j"))
        #expect(job.status == .completed && job.completionSource == .webhook && job.outputs == .string("url"))
        let adopted = try await store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM orphans WHERE adopted_job_id = 'j'") }
        #expect(adopted == 1)
        let health = try await store.read { db in
            try Row.fetchOne(db, sql: "SELECT webhooks, orphans FROM provider_health").map { [$0[0], $0[1]] as [Int64] }
        }
        #expect(health == [1, 1], "the adopted copy is not counted twice")
        // Submitting again adopts nothing more.
        #expect(try await store.execute(Fixtures.submit("j", "x")).appended.isEmpty)
    }

    /// The same external id at two providers is two different jobs: a job of
    /// one provider never adopts another provider's orphan.
    @Test func anOrphanIsAdoptedOnlyByAJobOfItsOwnProvider() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "w1", provider: "wavespeed")))
        _ = try await store.execute(Fixtures.register("j", cost: 20, provider: "replicate"))
        let submitted = try await store.execute(Fixtures.submit("j", "x"))
        #expect(submitted.appended.map(\.type) == [.jobSubmitted], "the wavespeed orphan stays an orphan")
        #expect(try await store.job("j")?.status == .processing)
        _ = try await store.execute(Fixtures.register("k", cost: 20, provider: "wavespeed"))
        let own = try await store.execute(Fixtures.submit("k", "x"))
        #expect(own.appended.map(\.type) == [.jobSubmitted, .webhookReceived, .jobFailed, .creditRefunded], "its own provider's job adopts it")
    }

    @Test func anExternalIDBelongsToOneJob() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("a", externalID: "x"))
        _ = try await store.execute(Fixtures.register("b"))
        await #expect(throws: StoreError.externalIDTaken(provider: "replicate", externalID: "x", jobID: "a")) {
            try await store.execute(Fixtures.submit("b", "x"))
        }
    }

    @Test func lateCompletionUnderRechargeChargesAgainOnce() async throws {
        let store = try makeStore(StoreOptions(lateCompletionPolicy: .recharge))
        _ = try await store.execute(Fixtures.register("j", cost: 40, externalID: "x"))
        let look = WatchdogDecision(decision: .fail, reason: "deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        _ = try await store.execute(.job(jobID: "j", command: .watchdog(look), metadata: Fixtures.app))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .completed, delivery: "late1")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .completed, delivery: "late2")))
        let account = try await store.read { db in
            try Row.fetchOne(db, sql: "SELECT charged, refunded, recharged, net FROM accounts").map { [$0[0], $0[1], $0[2], $0[3]] as [Int64] }
        }
        #expect(account == [40, 40, 40, 40])
        #expect(try await store.verify().isSound)
    }

    @Test func refusedRequestsLeaveTheLogUnchanged() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("j", externalID: "x"))
        let before = try await store.head()
        let refused: [LedgerRequest] = [
            Fixtures.register("j", cost: 999),
            .job(jobID: "", command: .cancel(reason: "r"), metadata: Fixtures.app),
            .job(jobID: "a\nb", command: .cancel(reason: "r"), metadata: Fixtures.app),
            .job(jobID: "missing", command: .cancel(reason: "r"), metadata: Fixtures.app),
            Fixtures.submit("j", "y"),
        ]
        for request in refused {
            await #expect(throws: StoreError.self) { try await store.execute(request) }
        }
        #expect(try await store.head() == before)
    }

    @Test func recordedTimeNeverGoesBackwards() async throws {
        let clock = ManualClock()
        let store = try makeStore(StoreOptions(clock: { clock.now }))
        _ = try await store.execute(Fixtures.register("a"))
        clock.advance(milliseconds: -60_000)
        _ = try await store.execute(Fixtures.register("b"))
        let times = try await store.events(after: 0, limit: 10).map(\.recordedAt)
        #expect(times == times.sorted())
    }

    @Test func aRequestThatFailsAfterItsInsertLeavesNoTraceAndTheChainGoesOn() async throws {
        let store = try makeStore()
        _ = try await store.execute(Fixtures.register("a", externalID: "x"))
        // A raw append whose projection row breaks the one-owner-per-external-id index:
        // the event is inserted, then the row write fails, so the request's savepoint rolls back.
        let clash = NewEvent(.jobRegistered(Fixtures.registration("b", externalID: "x")), metadata: Fixtures.app)
        await #expect(throws: StoreError.self) { try await store.append(AppendRequest(stream: "job-b", events: [clash])) }
        #expect(try await store.head().position == 1)
        #expect(try await store.job("b") == nil)
        _ = try await store.execute(Fixtures.register("c"))
        _ = try await store.execute(Fixtures.register("b"))
        #expect(try await store.job("b")?.externalID == nil, "the failed append left nothing in the writer's cache")
        #expect(try await store.verify().isSound)
        #expect(try await store.rebuildCheck().matches)
    }

    @Test func anotherProcessWritingDoesNotLockThisWriterOut() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let first = try SQLiteEventStore(path: path)
        let second = try SQLiteEventStore(path: path)  // as `ledger import` or a cron job would
        _ = try await first.execute(Fixtures.register("a"))
        _ = try await second.execute(Fixtures.register("b"))
        _ = try await first.execute(Fixtures.register("c"))
        _ = try await second.execute(.job(jobID: "a", command: .cancel(reason: "r"), metadata: Fixtures.app))
        // The first writer must see that "a" was cancelled elsewhere, not decide from a stale state.
        await #expect(throws: StoreError.refused(.alreadyTerminal(jobID: "a", status: .cancelled))) {
            try await first.execute(.job(jobID: "a", command: .cancel(reason: "again"), metadata: Fixtures.app))
        }
        #expect(try await first.head().position == 5)
        #expect(try await first.verify().isSound)
        #expect(try await first.rebuildCheck().matches)
    }

    @Test(arguments: ["e\u{301}", "é", "job 1", "job\u{0}", "", String(repeating: "x", count: 201), "ｊｏｂ"])
    func idsThatCouldCollideOrHideAreRefused(_ jobID: String) async throws {
        let store = try makeStore()
        await #expect(throws: StoreError.self) { try await store.execute(Fixtures.register(jobID)) }
        await #expect(throws: StoreError.self) {
            try await store.execute(Fixtures.deliver(Fixtures.webhook(jobID, .completed, delivery: "d")))
        }
        #expect(try await store.head() == .genesis)
    }

    @Test func deeplyNestedJSONIsRefusedBeforeItIsStored() async throws {
        let store = try makeStore()
        var deep = JSONValue.string("bottom")
        for _ in 0..<40 { deep = .array([deep]) }
        let registration = JobRegistered(jobID: "j", account: "a", provider: "p", operation: "o", cost: 1, metadata: deep)
        await #expect(throws: StoreError.refused(.invalid("metadata is nested deeper than 32 levels"))) {
            try await store.execute(.job(jobID: "j", command: .register(registration), metadata: Fixtures.app))
        }
        #expect(try await store.head() == .genesis)
    }

    @Test func manyWaitersRacingChangesAndTimeoutsAllReturn() async throws {
        let store = try makeStore(StoreOptions(durability: .normal))
        _ = try await store.execute(Fixtures.register("j", externalID: "x"))
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                group.addTask { _ = try await store.jobAfterChange("j", timeout: .milliseconds(Int64(index % 40) + 1)) }
            }
            group.addTask {
                for step in 0..<50 {
                    _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "d\(step)")))
                }
            }
            try await group.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
