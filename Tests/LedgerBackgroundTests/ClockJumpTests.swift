import LedgerBackground
import LedgerCore
import LedgerTesting
import Testing

/// The wall clock steps backwards and forwards between watchdog rounds
/// (FAULTS 17): recorded times never go backwards, and no job fails or is
/// refunded before its deadline, measured from its submission.
@Suite struct ClockJumpTests {
    @Test func aClockThatStepsBackAndForthFailsNothingEarlyAndRecordsNoTimeBackwards() async throws {
        try await Harness.run { h in
            let jobs = try await h.submitJobs(3)
            h.advance(minutes: 60)
            #expect(try await h.watchdog.runOnce().recorded == 0, "1 h: not stuck yet")

            // Three days back, as a bad NTP step would do.
            h.advance(minutes: -3 * 24 * 60)
            let behind = try await h.watchdog.runOnce()
            #expect(behind.recorded == 0 && behind.failed == 0, "a clock behind the submission decides nothing")
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            let times = try await h.store.events(after: 0, limit: 100).map(\.recordedAt)
            #expect(times == times.sorted(), "recorded times never go backwards: \(times)")

            // The clock comes back: 1 h 30 min after the submission.
            h.advance(minutes: 3 * 24 * 60 + 30)
            #expect(try await h.watchdog.runOnce().recorded == 0, "1 h 30: still not stuck")
            h.advance(minutes: 31)
            let callsBefore = h.provider.statusCalls
            let stuck = try await h.watchdog.runOnce()
            #expect(stuck.recorded == 2 && stuck.failed == 0, "2 h 01: the two open jobs are stuck")
            // The stuck verdict polls at once (the contract's "immediate poll"), not at the poller's next round.
            #expect(stuck.polled == 2 && h.provider.statusCalls == callsBefore + 2, "\(stuck)")
            for jobID in jobs.dropFirst() {
                #expect(try await h.events(jobID).suffix(2) == ["watchdog.decision", "poll.result"], "\(jobID) polled after its look")
            }

            // The deadline is 24 h after the submission, not a minute sooner.
            h.advance(minutes: 24 * 60 - 2 * 60 - 2)
            #expect(try await h.watchdog.runOnce().failed == 0, "23 h 59")
            h.advance(minutes: 2)
            #expect(try await h.watchdog.runOnce().failed == 2, "24 h 01")
            for jobID in jobs.dropFirst() {
                let job = try #require(try await h.store.job(jobID))
                #expect(job.status == .failed && job.refundedAmount == 10 && job.completionSource == .watchdog)
            }
            #expect(try await h.store.job(jobs[0])?.status == .completed)
            #expect(try await h.store.verify().isSound)
        }
    }

    /// The watchdog reads a page of open jobs, then looks at each (polling some,
    /// which takes time): the app's submission of a job landed in between. The look
    /// at the job as it was read (never submitted, past the deadline) fails nothing.
    @Test func aJobSubmittedAfterTheWatchdogReadItIsNotFailed() async throws {
        try await Harness.run { h in
            _ = try await h.store.execute(Fixtures.register("late", cost: 10))
            h.advance(minutes: 25 * 60)
            let asRead = try #require(try await h.store.job("late"))
            _ = try await h.store.execute(Fixtures.submit("late", "ext-late"))
            var round = WatchdogRound()
            try await h.watchdog.look(at: asRead, round: &round)
            #expect(round.recorded == 0 && round.failed == 0, "\(round)")
            #expect(try await h.events("late") == ["job.registered", "job.submitted"])
            #expect(try await h.watchdog.runOnce().recorded == 0, "read again: submitted now, and young")
        }
    }
}
