import Foundation
import LedgerBackground
import LedgerCore
import LedgerFakes
import LedgerStore
import LedgerTesting
import Synchronization
import Testing

/// The incidents this product exists for, end to end: real SQLite,
/// real HTTP on loopback to a fake provider and a fake app, real signatures,
/// and a manual clock so hours of schedule run in milliseconds.
@Suite(.serialized) struct IncidentTests {
    @Test func lostWebhooksArePolledToCompletion() async throws {
        try await Harness.run { h in
            h.provider.mode = .drop
            let jobs = try await h.submitJobs(5)
            for index in 0..<5 {
                h.provider.finish("pred_\(index)", succeeded: true)
                #expect(try await h.deliverWebhooks("pred_\(index)").isEmpty, "the provider's webhooks are lost")
            }
            h.advance(minutes: 4)
            #expect(try await h.poller.runOnce().polled == 0, "no poll before the webhook is due (5 min)")
            h.advance(minutes: 2)
            let round = try await h.poller.runOnce()
            #expect(round.polled == 5 && round.endedJobs == 5)
            for jobID in jobs {
                let job = try #require(try await h.store.job(jobID))
                #expect(job.status == .completed && job.completionSource == .poll && job.pollCount == 1)
                #expect(job.outputs == .array([.string("https://cdn.example/pred_\(jobID.dropFirst(4)).mp4")]))
            }
            #expect(try await h.poller.runOnce().polled == 0, "completed jobs are not polled again")
            #expect(try await h.store.verify().isSound)
        }
    }

    /// A job past the deadline whose provider finished it, with no webhook
    /// and no poll in the log (a log restored from a backup): the watchdog
    /// asks the provider a last time and records the completion, and fails
    /// and refunds only the job the provider still runs. (It failed and
    /// refunded both; the poll that found the first succeeded came after.)
    @Test func theWatchdogPollsAJobALastTimeBeforeFailingIt() async throws {
        try await Harness.run { h in
            h.provider.mode = .drop
            let jobs = try await h.submitJobs(2)
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").isEmpty, "the webhook is lost")
            h.advance(minutes: 25 * 60)
            // A node asked to stop neither polls nor fails: the next round, or the next node, judges.
            let stoppingWatchdog = Watchdog(store: h.store, policy: h.settings.watchdog, poller: h.poller, clock: h.clock,
                                            logger: Harness.logger, shutdown: ShutdownSignal(when: { true }))
            let stopping = try await stoppingWatchdog.runOnce()
            #expect(stopping.polled == 0 && stopping.failed == 0, "\(stopping)")
            let round = try await h.watchdog.runOnce()
            let second = try await h.store.events(inStream: "job-\(jobs[1])").map { "\($0.type) \($0.data)" }
            #expect(round.polled == 2 && round.failed == 1, "\(round) \(second)")
            #expect(try await h.store.job(jobs[0])?.status == .completed)
            #expect(try await h.store.job(jobs[1])?.status == .failed)
            let refunds = try await h.store.events(after: 0, limit: 1_000).filter { $0.type == "credit.refunded" }
            #expect(refunds.count == 1 && refunds[0].stream == "job-\(jobs[1])")
            #expect(try await h.store.verify().isSound)
        }
    }

    /// NCA's status answer says `done` of failed and successful jobs alike:
    /// the job's own result code decides, so a job whose webhook was lost
    /// ends as the toolkit ran it (a failure refunded) instead of waiting for
    /// the watchdog. Answers shaped as the toolkit's job_status.md documents them.
    @Test func lostNCAWebhooksArePolledToTheOutcomeTheToolkitRecorded() async throws {
        try await Harness.run { h in
            for (jobID, externalID) in [("job_ok", "nca-ok"), ("job_bad", "nca-bad"), ("job_running", "nca-running")] {
                _ = try await h.store.execute(Fixtures.register(jobID, cost: 10, externalID: externalID, provider: "nca"))
            }
            h.provider.answerToolkitStatus("nca-ok", with: Self.toolkitAnswer("done", job: "nca-ok", code: 200, message: "success",
                                                                             response: #""https://cdn.example/ok.mp4""#))
            h.provider.answerToolkitStatus("nca-bad", with: Self.toolkitAnswer("done", job: "nca-bad", code: 500,
                                                                              message: "FFmpeg exited with 1", response: "null"))
            h.provider.answerToolkitStatus("nca-running", with: Self.toolkitAnswer("running", job: "nca-running"))
            h.advance(minutes: 6)
            let round = try await h.poller.runOnce()
            #expect(round.polled == 3 && round.endedJobs == 2)
            let ok = try #require(try await h.store.job("job_ok"))
            #expect(ok.status == .completed && ok.completionSource == .poll && ok.outputs == .string("https://cdn.example/ok.mp4"))
            let bad = try #require(try await h.store.job("job_bad"))
            #expect(bad.status == .failed && bad.completionSource == .poll && bad.refundedAmount == 10)
            #expect(bad.failureReason == "FFmpeg exited with 1", "the job's message, not the status call's \"success\"")
            #expect(try await h.store.job("job_running")?.status == .processing)
            #expect(try await h.store.verify().isSound)
        }
    }

    /// `{endpoint, code, job_id, response: {job_status, job_id, response: <the job's webhook envelope>}, message, ...}`.
    static func toolkitAnswer(_ status: String, job: String, code: Int? = nil, message: String = "", response: String = "null") -> String {
        let envelope = code.map { #"{"endpoint":"/v1/media/transcribe","code":\#($0),"id":null,"job_id":"\#(job)","response":\#(response),"message":"\#(message)","build_number":"1.0.0"}"# } ?? "null"
        return #"{"endpoint":"/v1/toolkit/job/status","code":200,"id":null,"job_id":"status-call-uuid","response":{"job_status":"\#(status)","job_id":"\#(job)","queue_id":1,"process_id":2,"response":\#(envelope)},"message":"success","build_number":"1.0.0"}"#
    }

    @Test(arguments: [LateCompletionPolicy.keepRefund, .recharge])
    func anOutageEndsInOneRefundEachAndLateSuccessesAreRecordedUnderThePolicy(_ policy: LateCompletionPolicy) async throws {
        try await Harness.run(policy: policy, pollConcurrency: 1) { h in
            h.provider.mode = .fail
            let jobs = try await h.submitJobs(3, cost: 25)
            // 25 hours of outage, a round every 30 minutes.
            for _ in 0..<50 {
                h.advance(minutes: 30)
                _ = try await h.poller.runOnce()
                _ = try await h.watchdog.runOnce()
            }
            #expect(h.provider.statusCalls > 0, "the poller kept asking during the outage")
            // Three jobs due most rounds, but a 500 pauses the provider for the rest of the round
            // (plus one immediate poll per job from the watchdog at stuck_after).
            #expect(h.provider.statusCalls <= 50 + 3, "backed off after each 500: \(h.provider.statusCalls) calls in 50 rounds")
            for jobID in jobs {
                let job = try #require(try await h.store.job(jobID))
                #expect(job.status == .failed && job.completionSource == .watchdog && job.refundedAmount == 25)
            }
            #expect(try await h.watchdog.runOnce().recorded == 0, "the watchdog records nothing new after its verdicts")

            // The provider recovers, and its success webhooks arrive, late.
            h.provider.mode = .normal
            for index in 0..<3 {
                h.provider.finish("pred_\(index)", succeeded: true)
                #expect(try await h.deliverWebhooks("pred_\(index)").allSatisfy { $0 == .ok })
                #expect(try await h.deliverWebhooks("pred_\(index)").allSatisfy { $0 == .ok }, "and again (retries)")
            }
            for jobID in jobs {
                let job = try #require(try await h.store.job(jobID))
                let types = try await h.events(jobID)
                #expect(types.filter { $0 == "credit.refunded" }.count == 1, "exactly one refund")
                #expect(types.filter { $0 == "job.late_completion" }.count == 1)
                #expect(job.status == .failed && job.lateCompletedAt != nil && job.refundedAmount == 25)
                #expect(job.rechargedAmount == (policy == .recharge ? 25 : 0))
            }
            #expect(try await h.store.verify().isSound)
        }
    }

    @Test func jobsRegisteredButNeverSubmittedAreFlaggedThenFailed() async throws {
        try await Harness.run { h in
            for jobID in ["queued_1", "queued_2"] { _ = try await h.store.execute(Fixtures.register(jobID, cost: 10)) }
            h.advance(minutes: 10)
            #expect(try await h.watchdog.runOnce().recorded == 0)
            h.advance(minutes: 6)
            #expect(try await h.watchdog.runOnce().recorded == 2, "flagged past submit_deadline (15 min)")
            #expect(try await h.watchdog.runOnce().recorded == 0, "once")
            let flag = try #require(try await h.store.events(inStream: "job-queued_1").last)
            #expect(flag.type == "watchdog.decision" && flag.data.contains("never submitted"))
            h.advance(minutes: 24 * 60)
            let round = try await h.watchdog.runOnce()
            #expect(round.failed == 2)
            let failed = try #require(try await h.store.job("queued_1"))
            #expect(failed.status == .failed && failed.refundedAmount == 10 && failed.completionSource == .watchdog)
        }
    }

    /// A node asked to stop in the middle of a notifier round over a backlog
    /// sends nothing more: what is left stays open, and the next round (the
    /// next node's) sends each once. (The round went on for the whole grace,
    /// and the send the grace cut reached the app unrecorded.)
    @Test func aRoundAskedToStopStartsNoNewSendAndLeavesTheRestToTheNextRound() async throws {
        try await Harness.run { h in
            _ = try await h.submitJobs(3)
            for index in 0..<3 {
                h.provider.finish("pred_\(index)", succeeded: true)
                #expect(try await h.deliverWebhooks("pred_\(index)").allSatisfy { $0 == .ok })
            }
            let app = h.app
            let stoppingNotifier = try #require(Notifier(store: h.store, settings: h.settings, outbound: h.outbound, clock: h.clock,
                                                         logger: Harness.logger, shutdown: ShutdownSignal(when: { !app.accepted.isEmpty })))
            let stopping = try await stoppingNotifier.runOnce()
            #expect(stopping.attempted == 1 && h.app.accepted.count == 1, "one send, then the stop")
            _ = try await h.notifier.runOnce()
            #expect(Set(h.app.accepted.map(\.webhookID)).count == 3 && h.app.accepted.count == 3, "the rest, each once")
        }
    }

    @Test func theAppIsDownForHoursThenANotificationIsDeadLetteredThenRedrivenAndDeliveredOnce() async throws {
        try await Harness.run { h in
            _ = try await h.submitJobs(1)
            h.app.mode = .down
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            let queued = try await h.store.events(inStream: "job-job_0").filter { $0.type == "notification.queued" }
            #expect(queued.count == 1, "the completion queued its notification in the same transaction")
            // Hours of retries on the schedule: 5s, 5m, 30m, 2h, 5h, 10h, 10h.
            var attempts = 0
            for _ in 0..<200 {
                attempts += try await h.notifier.runOnce().attempted
                h.advance(minutes: 10)
            }
            #expect(attempts == 8 && h.app.refused == 8 && h.app.accepted.isEmpty)
            let job = try #require(try await h.store.foldedJob("job_0"))
            let notification = try #require(job.notifications.values.first)
            #expect(notification.stage == .deadLettered && notification.attempts == 8)

            // The app is back; an operator re-drives the dead letter.
            h.app.mode = .up
            let report = try await h.redriver.run(RedriveSelection(status: .completed), action: .notify,
                                                  operatorName: "alice", reason: "app was down INC-12", dryRun: false)
            #expect(report.matched == 1 && report.acted == 1)
            for _ in 0..<3 { _ = try await h.notifier.runOnce(); h.advance(minutes: 10) }
            #expect(h.app.accepted.count == 1, "delivered exactly once more")
            #expect(h.app.accepted.first?.webhookID == notification.notificationID, "the same webhook-id as every attempt")
            #expect(h.app.forged == 0)
            let again = try await h.redriver.run(RedriveSelection(status: .completed), action: .notify,
                                                 operatorName: "alice", reason: "app was down INC-12", dryRun: false)
            #expect(again.repeated == 1 && again.appendedEvents == 0, "a second identical run appends nothing")
            for _ in 0..<3 { _ = try await h.notifier.runOnce(); h.advance(minutes: 10) }
            #expect(h.app.accepted.count == 1)
            #expect(try await h.store.verify().isSound)
        }
    }

    /// The disk fills after the app took a notification: the attempt cannot be
    /// recorded. The notifier records it once the database takes writes again
    /// instead of sending it again every round (an on-call saw one
    /// notification 66 times in 73 s of a full disk).
    @Test func anAttemptTheDatabaseCouldNotRecordIsRecordedLaterNotSentAgain() async throws {
        try await Harness.run { h in
            let (store, notifier) = try await Self.completedJobAndNotifierOverRefusingRecords(h)
            store.refusing.withLock { $0 = true }
            for _ in 0..<5 {
                await #expect(throws: StoreError.self) { _ = try await notifier.runOnce() }
                h.advance(minutes: 1)
            }
            #expect(h.app.accepted.count == 1, "sent once; its record failed")
            store.refusing.withLock { $0 = false }
            #expect(try await notifier.runOnce().delivered == 1)
            #expect(h.app.accepted.count == 1)
            #expect(try await h.store.foldedJob("job_0")?.notifications.values.first?.stage == .delivered)
        }
    }

    /// The record committed but its answer was lost (a connection closed after
    /// the commit): the next round sees the attempt in the log and records it
    /// no second time (a notification would dead-letter one attempt early).
    @Test func anAttemptWhoseRecordCommittedIsNotRecordedTwice() async throws {
        try await Harness.run { h in
            h.app.mode = .down
            let (store, notifier) = try await Self.completedJobAndNotifierOverRefusingRecords(h)
            store.answerLost.withLock { $0 = true }
            await #expect(throws: StoreError.self) { _ = try await notifier.runOnce() }
            store.answerLost.withLock { $0 = false }
            h.advance(minutes: 1)
            _ = try await notifier.runOnce()
            let attempts = try await h.store.events(inStream: "job-job_0").filter { $0.type == "notification.attempted" }
            #expect(attempts.count == 2 && h.app.refused == 2, "one record for each of two sends: \(attempts.count), \(h.app.refused)")
        }
    }

    /// Job `job_0` completed with its notification queued, and a notifier of
    /// its own over ``RefusingRecords`` of the harness's store.
    static func completedJobAndNotifierOverRefusingRecords(_ h: Harness) async throws -> (RefusingRecords, Notifier) {
        _ = try await h.submitJobs(1)
        h.provider.finish("pred_0", succeeded: true)
        #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
        let store = RefusingRecords(store: h.store)
        let notifier = try #require(Notifier(store: store, settings: h.settings, outbound: h.outbound, clock: h.clock,
                                             logger: Harness.logger))
        return (store, notifier)
    }

    @Test func duplicatedAndReorderedWebhooksMakeOneDecisionAndFlappingPollsStillComplete() async throws {
        try await Harness.run { h in
            let jobs = try await h.submitJobs(3)
            h.provider.mode = .duplicate
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0") == [.ok, .ok, .ok])
            h.provider.mode = .reorder
            h.provider.finish("pred_1", succeeded: false)
            #expect(try await h.deliverWebhooks("pred_1") == [.ok, .ok])
            let first = try #require(try await h.store.job(jobs[0]))
            #expect(first.status == .completed && first.duplicateCount == 1)
            let second = try #require(try await h.store.job(jobs[1]))
            #expect(second.status == .failed && second.refundedAmount == 10, "a late 'processing' does not reopen a failed job")
            // The third job's webhooks are lost and the status API flaps 500/200.
            h.provider.mode = .flap
            h.provider.finish("pred_2", succeeded: true)
            for _ in 0..<4 {
                h.advance(minutes: 6)
                _ = try await h.poller.runOnce()
            }
            let third = try #require(try await h.store.job(jobs[2]))
            #expect(third.status == .completed && third.completionSource == .poll)
            for jobID in jobs {
                let types = try await h.events(jobID)
                #expect(types.filter { ["job.completed", "job.failed"].contains($0) }.count == 1, "one terminal outcome")
            }
            #expect(try await h.store.verify().isSound)
        }
    }

    /// `LEDGER_NOTIFY_EVENTS=all`: the app hears when the provider starts the
    /// job and of its progress, signed and delivered like the terminal change.
    @Test func withAllEventsTheAppHearsTheStartTheProgressAndTheEnd() async throws {
        try await Harness.run(notifyEvents: .all) { h in
            _ = try await h.submitJobs(1)
            // A start, its duplicate; then the provider's own processing and succeeded webhooks.
            for delivery in ["p1", "p1"] {
                _ = try await h.store.execute(Fixtures.deliver(Fixtures.webhook("pred_0", .processing, delivery: delivery)))
            }
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            for _ in 0..<3 {
                _ = try await h.notifier.runOnce()
                h.advance(minutes: 1)
            }
            let told = h.app.accepted.map { JSONValue(jsonText: $0.body)?["data"]?["event"]?.stringValue ?? "?" }
            #expect(told == ["job.started", "job.progress", "job.completed"], "a duplicate is no progress")
            #expect(Set(h.app.accepted.map(\.webhookID)).count == 3 && h.app.forged == 0)
            #expect(try await h.store.verify().isSound)
        }
    }
}

/// The ledger's store whose writes fail while `refusing` is set, as a full
/// disk's do, or (`answerLost`) commit and then fail, as a connection lost
/// after the commit does; reads go through.
final class RefusingRecords: JobCommands & NotificationOutbox, Sendable {
    let store: any JobCommands & NotificationOutbox
    let refusing = Mutex(false)
    let answerLost = Mutex(false)

    init(store: any JobCommands & NotificationOutbox) { self.store = store }

    func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
        if refusing.withLock({ $0 }) { throw .storageUnavailable("disk full") }
        let outcome = try await store.execute(request)
        if answerLost.withLock({ $0 }) { throw .storageUnavailable("the connection closed after the commit") }
        return outcome
    }

    func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
        try await store.openNotifications(after: position, limit: limit)
    }

    func lastQueuedNotificationPosition() async throws(StoreError) -> Int64 { try await store.lastQueuedNotificationPosition() }
    func foldedJob(_ jobID: String) async throws(StoreError) -> JobState? { try await store.foldedJob(jobID) }
}
