import Foundation
@testable import LedgerBackground
import LedgerCore
import LedgerFakes
import LedgerStore
import LedgerTesting
import Testing

/// A provider's status API and an app's notification endpoint that answer
/// badly: each answer is recorded as evidence, decides nothing, and is
/// retried on the schedule (docs/guarantees.md, "Outbound requests").
@Suite struct MisbehavingPeersTests {
    /// 429 with a `Retry-After`, an HTML error page, JSON cut short: every
    /// poll is a `poll.result` with its error; the job stays open; a 429
    /// pauses the provider for its `Retry-After`.
    @Test(arguments: [FakeProvider.Mode.throttle, .html, .truncated])
    func aStatusAPIThatAnswersBadlyIsRecordedAndDecidesNothing(_ mode: FakeProvider.Mode) async throws {
        try await Harness.run(pollConcurrency: 1) { h in
            let jobs = try await h.submitJobs(2)
            for index in 0..<2 { h.provider.finish("pred_\(index)", succeeded: true) }
            h.provider.mode = mode
            h.advance(minutes: 6)
            let round = try await h.poller.runOnce()
            #expect(round.polled == (mode == .throttle ? 1 : 2), "a 429 pauses the rest of the round")
            for jobID in jobs {
                #expect(try await h.store.job(jobID)?.status == .processing, "a bad answer decides nothing")
            }
            let polls = try await h.store.events(inStream: "job-job_0").filter { $0.type == EventType.pollResult.rawValue }
            let poll = try #require(polls.first.flatMap { JSONValue(jsonText: $0.data) })
            #expect(poll["reported_status"]?.stringValue == "unknown")
            let expectedError = mode == .throttle ? "the status API answered 429" : "the status API's answer is not JSON"
            #expect(poll["error"]?.stringValue == expectedError)

            if mode == .throttle {
                let calls = h.provider.statusCalls
                h.advance(minutes: 1)
                #expect(try await h.poller.runOnce().backingOff == ["replicate"], "Retry-After: 120 is honoured")
                #expect(h.provider.statusCalls == calls)
                h.advance(minutes: 2)
            } else {
                h.advance(minutes: 3)
            }
            h.provider.mode = .normal
            #expect(try await h.poller.runOnce().endedJobs == 2, "a good answer on the schedule decides")
            #expect(try await h.store.verify().isSound)
        }
    }

    /// The watchdog's and an operator's immediate polls wait out a provider's
    /// pause too (they polled a throttled provider 13 s into a 25 s pause,
    /// and their good answer ended the pause for every job).
    @Test func anImmediatePollWaitsOutTheProvidersPause() async throws {
        try await Harness.run(pollConcurrency: 1) { h in
            let jobs = try await h.submitJobs(2)
            h.provider.mode = .throttle
            h.advance(minutes: 6)
            #expect(try await h.poller.runOnce().polled == 1)
            h.provider.mode = .normal
            let calls = h.provider.statusCalls
            let job = try #require(try await h.store.job(jobs[1]))
            #expect(try await h.poller.pollNow(job) == nil, "paused: not polled")
            #expect(h.provider.statusCalls == calls && h.poller.pausedUntil("replicate") != nil)
            #expect(try await h.poller.runOnce().backingOff == ["replicate"])
            h.advance(minutes: 3)
            #expect(h.poller.pausedUntil("replicate") == nil)
            #expect(try await h.poller.pollNow(job) != nil, "polled once the pause ran out")
        }
    }

    /// An answer to a poll sent before the provider's 429 (in flight beside
    /// it) does not end the pause the provider asked for.
    @Test func anOrdinaryAnswerDoesNotEndAPauseThatRunsStill() async throws {
        try await Harness.run { h in
            func answer(_ status: Int, _ headers: [String: String] = [:]) -> OutboundResponse {
                OutboundResponse(status: status, headers: headers, body: Data(), latencyMilliseconds: 1)
            }
            h.poller.noteProviderHealth("replicate", answer(429, ["retry-after": "120"]))
            h.poller.noteProviderHealth("replicate", answer(200))
            #expect(h.poller.pausedUntil("replicate") != nil, "a 200 in flight does not end a running pause")
            h.advance(minutes: 3)
            h.poller.noteProviderHealth("replicate", answer(200))
            #expect(h.poller.pausedUntil("replicate") == nil)
        }
    }

    /// A bulk re-drive's polls keep to the provider's pause: the first 429
    /// stops the rest, which are reported with the time the pause ends (the
    /// on-call's re-drive during an outage sent 45 polls in 0.35 s, each a
    /// 503, and said "acted on 45").
    @Test func aBulkRedriveStopsPollingAtTheProvidersFirst429() async throws {
        try await Harness.run(pollConcurrency: 1) { h in
            _ = try await h.submitJobs(5)
            h.provider.mode = .throttle
            let calls = h.provider.statusCalls
            let report = try await h.redriver.run(RedriveSelection(status: .processing), action: .poll, operatorName: "oncall",
                                                  reason: "outage", dryRun: false)
            #expect(report.acted == 1 && report.notApplicable == 4, "\(report)")
            #expect(report.notApplicableReasons.keys.allSatisfy { $0.contains("asked for a pause") }, "\(report)")
            #expect(h.provider.statusCalls == calls + 1)
            // The same command once the provider is back polls all five: the four it passed over and the one
            // whose poll met the 429 (it was reported "already had this re-drive" and never polled again).
            h.provider.mode = .normal
            h.advance(minutes: 3)
            let again = try await h.redriver.run(RedriveSelection(status: .processing), action: .poll, operatorName: "oncall",
                                                 reason: "outage", dryRun: false)
            #expect(again.acted == 5 && again.repeated == 0, "\(again)")
            #expect(h.provider.statusCalls == calls + 6)
            let operatorActions = try await h.store.events(after: 0, limit: 1000).filter { $0.type == "operator.action" }
            #expect(operatorActions.count == 5, "the re-polled job's action is not recorded twice")
            let third = try await h.redriver.run(RedriveSelection(status: .processing), action: .poll, operatorName: "oncall",
                                                 reason: "outage", dryRun: false)
            #expect(third.acted == 0 && third.repeated == 5, "answered: done, \(third)")
        }
    }

    /// 302, 410, 429 with an hour's `Retry-After`, an app that hangs past the
    /// read timeout, a 2xx with a body over the cap: none is a delivery. The
    /// notification stays open under one `webhook-id`, a 429 waits (capped at
    /// `retryAfterMaxMilliseconds`), and once the app answers well it is
    /// recorded delivered once.
    @Test(arguments: [FakeApp.Mode.redirect, .gone, .throttle, .slow, .huge])
    func anAppThatAnswersBadlyGetsTheSameNotificationUntilItTakesIt(_ mode: FakeApp.Mode) async throws {
        try await Harness.run { h in
            _ = try await h.submitJobs(1)
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            h.app.mode = mode
            // The hanging app (it answers after 2 s) meets a short read timeout; the other
            // answers, and every later round, the harness's patient notifier (5 s).
            let impatient = OutboundClient(allowPrivateTargets: true, readTimeout: .milliseconds(500))
            do {
                let first = mode == .slow
                    ? try #require(Notifier(store: h.store, settings: h.settings, outbound: impatient, clock: h.clock, logger: Harness.logger))
                    : h.notifier
                #expect(try await first.runOnce().attempted == 1)
                let attempts = try await h.store.events(inStream: "job-job_0")
                    .filter { $0.type == EventType.notificationAttempted.rawValue }
                    .map { try JSONDecoder().decode(NotificationStep.self, from: Data($0.data.utf8)) }
                let attempt = try #require(attempts.first)
                let expectedStatus: Int? = switch mode {
                case .redirect: 302
                case .gone: 410
                case .throttle: 429
                default: nil
                }
                #expect(attempt.httpStatus == expectedStatus)
                #expect(attempt.error != nil, "the failure is named")
                #expect(try await h.events("job_0").contains(EventType.notificationDelivered.rawValue) == false)

                h.advance(minutes: 6)  // past the schedule's 5 s and 5 min
                if mode == .throttle {
                    #expect(try await h.notifier.runOnce().attempted == 0, "Retry-After is honoured past the schedule")
                    h.advance(minutes: 5)  // 11 min: past the 10 min cap on Retry-After
                }
                h.app.mode = .up
                #expect(try await h.notifier.runOnce().attempted == 1)
                #expect(try await h.events("job_0").filter { $0 == EventType.notificationDelivered.rawValue }.count == 1)
                h.advance(minutes: 60)
                #expect(try await h.notifier.runOnce().attempted == 0, "delivered: never sent again")
                let ids = Set(h.app.accepted.map(\.webhookID))
                #expect(ids.count == 1, "one webhook-id whatever the app answered: \(ids)")
                #expect(h.app.forged == 0)
            } catch {
                await impatient.shutdown()
                throw error
            }
            await impatient.shutdown()
        }
    }
}
