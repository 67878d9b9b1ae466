import LedgerCore
import LedgerStore
import Logging

/// What one watchdog round did.
public struct WatchdogRound: Sendable, Hashable {
    public var looked = 0
    /// Looks recorded (`watchdog.decision`): a verdict new for its job.
    public var recorded = 0
    public var failed = 0
    public var polled = 0

    public init() {}
}

/// Looks at every open job against the ``WatchdogPolicy``: a job
/// stuck past `stuck_after` gets a `watchdog.decision` and an immediate poll;
/// past `deadline` it is polled a last time where its provider can be, and
/// fails (source watchdog) and is refunded unless that poll settled it; a job never
/// submitted past `submit_deadline` is flagged. The decider records a look
/// only when its verdict or reason is new for the job, so rounds (and
/// `ledger watchdog --once` run by cron) are idempotent.
public struct Watchdog: Sendable {
    /// Only what it uses of the engine.
    let store: any JobCommands & OpenJobQueries
    let policy: WatchdogPolicy
    let poller: Poller?
    let clock: any LedgerClock
    let logger: Logger
    /// Once requested, a look neither polls nor fails a job.
    let shutdown: ShutdownSignal

    public init(store: any JobCommands & OpenJobQueries, policy: WatchdogPolicy, poller: Poller?, clock: any LedgerClock, logger: Logger,
                shutdown: ShutdownSignal = ShutdownSignal()) {
        self.shutdown = shutdown
        self.store = store
        self.policy = policy
        self.poller = poller
        self.clock = clock
        self.logger = logger
    }

    public func runOnce() async throws(StoreError) -> WatchdogRound {
        var round = WatchdogRound()
        try await store.forEachOpenJob { job throws(StoreError) in
            round.looked += 1
            try await look(at: job, round: &round)
        }
        return round
    }

    /// The look at one job now (also an operator's `reevaluate`).
    /// How long past the deadline a job waits for its provider's pause (after a 429) to end before it fails unpolled.
    static let pausedProviderGraceSeconds: Int64 = 3_600

    public func look(at job: JobState, round: inout WatchdogRound) async throws(StoreError) {
        guard var decision = policy.look(at: job, now: clock.now) else { return }
        var job = job
        if decision.decision == .fail, let poller {
            // A last poll before failing, where the provider can be asked: after a restore from a
            // backup (webhooks acknowledged before it are gone) a job the provider had finished was
            // failed and refunded, and the poll that found it succeeded came 46 ms later.
            // Stopping, or the provider paused after a 429 (for an hour past the deadline at most):
            // neither poll nor fail now; the next round, or the next node, judges the job.
            if shutdown.isRequested { return }
            if poller.pausedUntil(job.provider) != nil, decision.ageSeconds < decision.thresholdSeconds + Self.pausedProviderGraceSeconds {
                return
            }
            if let polled = try await poller.pollNow(job) {
                round.polled += 1
                guard let state = polled.state, !state.status.isTerminal else { return }
                job = state
                guard let again = policy.look(at: job, now: clock.now) else { return }
                decision = again
            } else if Task.isCancelled {
                return  // a poll cut by the shutdown is no answer: failing on it refunded a job the provider may have finished
            }
        }
        let metadata = EventMetadata(actor: "watchdog", source: "watchdog")
        let command = JobCommand.watchdog(decision, judged: WatchdogPolicy.Judged(job))
        let outcome = try await store.execute(.job(jobID: job.jobID, command: command, metadata: metadata))
        guard !outcome.appended.isEmpty else { return }
        round.recorded += 1
        logger.notice("watchdog decision", metadata: [
            "job_id": .string(job.jobID), "decision": .string(decision.decision.rawValue), "reason": .string(decision.reason),
            "position": .stringConvertible(outcome.factPosition ?? 0),
        ])
        switch decision.decision {
        case .fail: round.failed += 1
        case .poll:
            if let poller, let state = outcome.state, try await poller.pollNow(state) != nil { round.polled += 1 }
        case .wait: break
        }
    }
}
