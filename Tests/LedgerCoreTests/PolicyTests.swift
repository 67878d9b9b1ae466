import LedgerCore
import LedgerTesting
import Testing

@Suite struct PollScheduleTests {
    static let minute: Int64 = 60_000

    @Test func theStandardScheduleWaitsForTheWebhookThenSlowsDown() {
        let schedule = PollSchedule.standard
        let offsets = (0..<12).map { schedule.offset(ofPoll: $0) / Self.minute }
        // 5 min, every 2 until 15, every 5 until 60, then every 15.
        #expect(offsets == [5, 7, 9, 11, 13, 15, 20, 25, 30, 35, 40, 45])
        #expect(schedule.offset(ofPoll: 14) / Self.minute == 60)
        #expect(schedule.offset(ofPoll: 15) / Self.minute == 75)
        #expect(schedule.offset(ofPoll: 16) / Self.minute == 90)
    }

    @Test func theTestScheduleOfTheSpecParses() {
        let schedule = PollSchedule(parsing: "first:1s,1s")
        #expect(schedule?.offset(ofPoll: 0) == 1000 && schedule?.offset(ofPoll: 9) == 10_000)
    }

    /// docs/configuration.md's example for short jobs: 30 s, then every 10 s until 2 min, then every minute.
    @Test func theDocumentedShortJobScheduleParses() {
        let schedule = PollSchedule(parsing: "first:30s,10s@2m,1m")
        #expect(schedule.map { (0..<12).map($0.offset(ofPoll:)) }
                == [30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 180, 240].map { Int64($0) * 1000 })
    }

    @Test(arguments: ["", "5m,2m", "first:5m", "first:5m,2m@15m", "first:5m,2m@15m,5m@10m,15m", "first:5m,2m,3m",
                      "first:5m,50ms", "first:soon,2m", "first:5m,2m@15m,15m@"])
    func invalidSchedulesAreRefused(_ text: String) {
        #expect(PollSchedule(parsing: text) == nil)
    }

    @Test func jitterIsBoundedAndTheSameOnEveryRun() {
        let schedule = PollSchedule.standard
        for index in 0..<40 {
            let jittered = schedule.jitteredOffset(ofPoll: index, jobID: "job_7")
            let plain = schedule.offset(ofPoll: index)
            #expect(jittered >= plain && jittered < plain + max(1, min(schedule.intervalMilliseconds(atAge: plain) / 10, 30_000)))
            #expect(jittered == schedule.jitteredOffset(ofPoll: index, jobID: "job_7"))
        }
        let spread = Set((0..<50).map { schedule.jitteredOffset(ofPoll: 3, jobID: "job_\($0)") })
        #expect(spread.count > 25, "jobs submitted together spread out")
    }
}

@Suite struct RetryScheduleTests {
    @Test func theDefaultIsEightAttemptsThenADeadLetter() {
        let schedule = RetrySchedule.standard
        #expect(schedule.attemptsMax == 8)
        #expect(schedule.delayMilliseconds(afterAttempt: 1) == 5000 && schedule.delayMilliseconds(afterAttempt: 7) == 36_000_000)
        #expect(schedule.delayMilliseconds(afterAttempt: 8) == nil && schedule.delayMilliseconds(afterAttempt: 0) == nil)
        #expect(RetrySchedule(parsing: "5s,,soon") == nil && RetrySchedule(parsing: "") == nil)
    }
}

@Suite struct WatchdogPolicyTests {
    static let start = Timestamp(iso8601: "2026-11-23T10:00:00.000Z")!
    static let hour: Int64 = 3_600_000

    func job(submitted: Bool) -> JobState {
        var state = JobState(jobID: "j")
        state.apply(.jobRegistered(Fixtures.registration("j", cost: 10)), version: 1, at: Self.start)
        if submitted { state.apply(.jobSubmitted(JobSubmitted(externalID: "x")), version: 2, at: Self.start) }
        return state
    }

    @Test func aSubmittedJobIsLeftAloneThenPolledThenFailed() {
        let policy = WatchdogPolicy.standard
        let job = job(submitted: true)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: Self.hour)) == nil)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 3 * Self.hour))?.decision == .poll)
        let late = policy.look(at: job, now: Self.start.adding(milliseconds: 25 * Self.hour))
        #expect(late?.decision == .fail && late?.thresholdSeconds == 86_400 && late?.ageSeconds == 90_000)
    }

    @Test func aJobNeverSubmittedIsFlaggedThenFailed() {
        let policy = WatchdogPolicy.standard
        let job = job(submitted: false)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 10 * 60_000)) == nil)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 16 * 60_000))?.decision == .wait)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 25 * Self.hour))?.decision == .fail)
    }

    /// A provider that matches webhooks by our job id gives no external id:
    /// once it reports the job processing, the job was submitted, and the
    /// watchdog waits for its completion, not its submission.
    @Test func aJobItsProviderReportedOnAwaitsCompletionWithoutAnExternalID() throws {
        let policy = WatchdogPolicy.standard
        var job = job(submitted: false)
        job.apply(.pollResult(Fixtures.poll(.processing)), version: 2, at: Self.start.adding(milliseconds: 60_000))
        #expect(job.status == .processing && job.externalID == nil)
        let awaited = try #require(WatchdogPolicy.awaited(job))
        #expect(awaited.awaited == .completion && awaited.since == Self.start)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 16 * 60_000)) == nil, "not 'never submitted'")
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 3 * Self.hour))?.decision == .poll)
        #expect(policy.look(at: job, now: Self.start.adding(milliseconds: 25 * Self.hour))?.reason == "no terminal status before the deadline")
    }

    /// The thresholds `ledger serve` records are the ones read back, and a
    /// recorded value that is not a positive number of seconds is ignored.
    @Test func recordedThresholdsReadBack() {
        let policy = WatchdogPolicy(stuckAfterMilliseconds: 60_000, deadlineMilliseconds: 3_600_000, submitDeadlineMilliseconds: 5_000)
        #expect(WatchdogPolicy.standard.recorded(policy.recordedSettings) == policy)
        var settings = policy.recordedSettings
        settings[WatchdogPolicy.RecordedKey.stuckAfter] = "-5"
        settings[WatchdogPolicy.RecordedKey.deadline] = "an hour"
        #expect(WatchdogPolicy.standard.recorded(settings).stuckAfterMilliseconds == WatchdogPolicy.standard.stuckAfterMilliseconds)
        #expect(WatchdogPolicy.standard.recorded(settings).deadlineMilliseconds == WatchdogPolicy.standard.deadlineMilliseconds)
        #expect(WatchdogPolicy.standard.recorded(settings).submitDeadlineMilliseconds == 5_000)
    }

    /// Each threshold is "past": at exactly the threshold nothing changes, a millisecond later it does.
    @Test func eachThresholdActsOnlyPastIt() {
        let policy = WatchdogPolicy.standard
        let submitted = job(submitted: true), unsubmitted = job(submitted: false)
        #expect(policy.look(at: submitted, now: Self.start.adding(milliseconds: policy.stuckAfterMilliseconds)) == nil)
        #expect(policy.look(at: submitted, now: Self.start.adding(milliseconds: policy.stuckAfterMilliseconds + 1))?.decision == .poll)
        #expect(policy.look(at: submitted, now: Self.start.adding(milliseconds: policy.deadlineMilliseconds))?.decision == .poll)
        #expect(policy.look(at: submitted, now: Self.start.adding(milliseconds: policy.deadlineMilliseconds + 1))?.decision == .fail)
        #expect(policy.look(at: unsubmitted, now: Self.start.adding(milliseconds: policy.submitDeadlineMilliseconds)) == nil)
        #expect(policy.look(at: unsubmitted, now: Self.start.adding(milliseconds: policy.submitDeadlineMilliseconds + 1))?.decision == .wait)
        #expect(policy.look(at: unsubmitted, now: Self.start.adding(milliseconds: policy.deadlineMilliseconds))?.decision == .wait)
        #expect(policy.look(at: unsubmitted, now: Self.start.adding(milliseconds: policy.deadlineMilliseconds + 1))?.decision == .fail)
    }

    @Test func terminalJobsAreNotLookedAt() {
        var job = job(submitted: true)
        job.apply(.jobCompleted(JobCompleted(source: .webhook, outputs: .null, evidencePosition: 3)), version: 3, at: Self.start)
        #expect(WatchdogPolicy.standard.look(at: job, now: Self.start.adding(milliseconds: 30 * Self.hour)) == nil)
    }
}

@Suite struct NotificationDecisionTests {
    let context = DecisionContext(now: Timestamp(iso8601: "2026-11-23T10:00:00.000Z")!, factPosition: 9)
    var completed: JobState {
        JobState.fold(jobID: "j", [.jobRegistered(Fixtures.registration("j", cost: 10)), .jobSubmitted(JobSubmitted(externalID: "x")),
                                   .jobCompleted(JobCompleted(source: .webhook, outputs: .null, evidencePosition: 3))]
            .enumerated().map { RecordedEvent(position: Int64($0.offset + 1), stream: "job-j", version: Int64($0.offset + 1),
                                              event: $0.element, recordedAt: context.now, metadata: Fixtures.app) })
    }

    func after(_ state: JobState, _ events: [LedgerEvent]) -> JobState {
        var state = state
        for event in events { state.apply(event, version: state.version + 1, at: context.now) }
        return state
    }

    func decide(_ command: NotificationCommand, _ state: JobState) throws -> [LedgerEvent] {
        try Decider.decide(.notification(command), state: state, context: context)
    }

    @Test func aNotificationIsQueuedOnceAttemptedUntilDeliveredAndNeverAfter() throws {
        let queue = NotificationCommand.queue(notificationID: "ntf_3", event: "job.completed")
        let queued = after(completed, try decide(queue, completed))
        #expect(try decide(queue, queued).isEmpty, "queued once")
        let failure = NotificationCommand.attempted(notificationID: "ntf_3", httpStatus: 503, error: nil, attemptsMax: 8)
        let once = after(queued, try decide(failure, queued))
        #expect(once.notifications["ntf_3"]?.attempts == 1 && once.notifications["ntf_3"]?.stage == .open)
        let success = NotificationCommand.attempted(notificationID: "ntf_3", httpStatus: 204, error: nil, attemptsMax: 8)
        let events = try decide(success, once)
        #expect(events.map(\.type) == [.notificationAttempted, .notificationDelivered])
        let delivered = after(once, events)
        #expect(delivered.notifications["ntf_3"]?.stage == .delivered && delivered.notifications["ntf_3"]?.attempts == 2)
        #expect(try decide(success, delivered).isEmpty, "no attempt after delivery")
        #expect(try decide(queue, delivered).isEmpty, "no queueing after delivery")
    }

    /// The decider, not the notifier, counts the attempts against the schedule:
    /// a failure dead-letters only when it was the schedule's last attempt.
    @Test func onlyTheSchedulesLastFailedAttemptDeadLetters() throws {
        var state = after(completed, try decide(.queue(notificationID: "n", event: "job.completed"), completed))
        let failure = NotificationCommand.attempted(notificationID: "n", httpStatus: 503, error: "down", attemptsMax: 3)
        for attempt in 1...3 {
            let events = try decide(failure, state)
            #expect(events.map(\.type) == (attempt < 3 ? [.notificationAttempted] : [.notificationAttempted, .notificationDeadLettered]),
                    "attempt \(attempt) of 3")
            state = after(state, events)
        }
        #expect(state.notifications["n"]?.stage == .deadLettered && state.notifications["n"]?.attempts == 3)
    }

    @Test func aFailedLastAttemptDeadLettersAndOnlyADeadLetterIsQueuedAgain() throws {
        let queued = after(completed, try decide(.queue(notificationID: "n", event: "job.completed"), completed))
        let last = NotificationCommand.attempted(notificationID: "n", httpStatus: nil, error: "connection refused", attemptsMax: 1)
        let dead = after(queued, try decide(last, queued))
        #expect(dead.notifications["n"]?.stage == .deadLettered)
        #expect(try decide(last, dead).isEmpty, "no attempts on a dead letter")
        let revived = after(dead, try decide(.queue(notificationID: "n", event: "job.completed"), dead))
        #expect(revived.notifications["n"]?.stage == .open && revived.notifications["n"]?.attempts == 0)
    }

    @Test func theSameWatchdogLookTwiceIsRecordedOnce() throws {
        var open = completed
        open.status = .processing
        let look = WatchdogDecision(decision: .poll, reason: "stuck", ageSeconds: 7300, thresholdSeconds: 7200)
        let first = try Decider.decide(.watchdog(look), state: open, context: context)
        #expect(first.map(\.type) == [.watchdogDecision])
        var later = look
        later.ageSeconds = 7400
        #expect(try Decider.decide(.watchdog(later), state: after(open, first), context: context).isEmpty)
    }
}
