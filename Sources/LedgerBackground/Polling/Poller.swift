import Foundation
import LedgerCore
import LedgerStore
import Logging
import Synchronization

/// What one poller round did.
public struct PollRound: Sendable, Hashable {
    public var looked = 0
    public var polled = 0
    /// Polls whose evidence ended a job (`completion_source = poll`, or a failure).
    public var endedJobs = 0
    public var transportErrors = 0
    /// Providers skipped while backing off after a 429 or 5xx.
    public var backingOff: Set<String> = []
}

/// Polls jobs that have no terminal status on the age-based schedule:
/// every poll is a `poll.result` event, and terminal results go through
/// the same decider as webhooks. Per provider: a cap on polls in flight, a
/// cap on polls started per second, and a pause after a 429 or 5xx that
/// honours `Retry-After` up to a cap (exponential from 30 s without one).
public final class Poller: Sendable {
    /// Only what it uses of the engine.
    let store: any JobCommands & OpenJobQueries
    let clients: [String: PollClient]
    let outbound: OutboundClient
    let settings: BackgroundSettings
    let clock: any LedgerClock
    let logger: Logger
    /// Once requested, a round starts no more polls.
    let shutdown: ShutdownSignal

    private struct State {
        var lastPolled: [String: Timestamp] = [:]
        var backoff: [String: (until: Timestamp, failures: Int)] = [:]
    }
    private let state = Mutex(State())

    public init(store: any JobCommands & OpenJobQueries, settings: BackgroundSettings, outbound: OutboundClient, clock: any LedgerClock,
                providers: some Sequence<String>, logger: Logger, shutdown: ShutdownSignal = ShutdownSignal()) {
        self.shutdown = shutdown
        self.store = store
        self.settings = settings
        self.outbound = outbound
        self.clock = clock
        self.logger = logger
        var clients: [String: PollClient] = [:]
        for name in providers { clients[name] = PollClient(provider: name, endpoint: settings.endpoints[name]) }
        self.clients = clients
    }

    /// Why `provider`'s jobs are not polled (the setting missing), or nil when they are.
    public func unpollable(_ provider: String) -> String? {
        guard clients[provider] == nil else { return nil }
        return PollClient.unpollable(provider: provider, endpoint: settings.endpoints[provider])
            ?? "\(provider) is not a provider this process knows"
    }

    /// One round: every open job whose next poll is due, polled once.
    public func runOnce() async throws(StoreError) -> PollRound {
        var round = PollRound()
        let now = clock.now
        var due: [String: [JobState]] = [:]
        var open: Set<String> = []
        try await store.forEachOpenJob { job throws(StoreError) in
            open.insert(job.jobID)
            round.looked += 1
            guard isDue(job, now: now) else { return }
            if pausedUntil(job.provider) != nil { round.backingOff.insert(job.provider); return }
            due[job.provider, default: []].append(job)
        }
        // Jobs that ended need no spacing any more: the map stays as large as the open jobs.
        state.withLock { $0.lastPolled = $0.lastPolled.filter { open.contains($0.key) } }
        for (provider, jobs) in due.sorted(by: { $0.key < $1.key }) {
            let results = await poll(jobs, provider: provider)
            round.polled += results.count
            round.endedJobs += results.filter { $0.ended }.count
            round.transportErrors += results.filter { $0.transportError }.count
        }
        return round
    }

    /// Polls one job now (the watchdog's immediate poll, an operator's
    /// re-drive); nil when it cannot be polled, or not yet: while its provider
    /// is paused after a 429 or 5xx (jobs crossing `stuck_after` during a
    /// provider's rate limit would otherwise all poll it). A result that could not be
    /// stored is an error, so an operator is never told "polled" for nothing.
    @discardableResult
    public func pollNow(_ job: JobState) async throws(StoreError) -> LedgerOutcome? {
        guard let client = clients[job.provider], let externalID = job.externalID,
              pausedUntil(job.provider) == nil else { return nil }
        let polled = await pollOne(job, externalID: externalID, client: client)
        if let failure = polled.storeFailure { throw failure }
        return polled.outcome
    }

    /// Due when the job is submitted, its age has reached its next poll's
    /// (jittered) instant, and half an interval has passed since its last
    /// event (any event of the job, a poll result among them, is in the log,
    /// so a restart or a cron run does not poll again at once) and since
    /// this poller last polled it.
    func isDue(_ job: JobState, now: Timestamp) -> Bool {
        // Its age counts from where the watchdog's clock starts (a job registered with its external id: registration).
        guard job.status == .processing, job.externalID != nil, clients[job.provider] != nil,
              let since = WatchdogPolicy.awaited(job)?.since else { return false }
        let age = now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
        guard age >= settings.pollSchedule.jitteredOffset(ofPoll: Int(job.pollCount), jobID: job.jobID) else { return false }
        let polled = state.withLock { $0.lastPolled[job.jobID] }
        guard let last = [polled, job.lastEventAt].compactMap({ $0 }).max(), last != since else { return true }
        return now.millisecondsSinceEpoch - last.millisecondsSinceEpoch >= settings.pollSchedule.intervalMilliseconds(atAge: age) / 2
    }

    /// The time between two polls started for one provider (`pollsPerSecond`).
    public var spacing: Duration { .milliseconds(1000 / max(1, settings.pollsPerSecond)) }

    /// When `provider`'s pause after a 429 or 5xx ends, while it runs.
    public func pausedUntil(_ provider: String) -> Timestamp? {
        let now = clock.now
        return state.withLock { $0.backoff[provider].flatMap { now < $0.until ? $0.until : nil } }
    }

    private struct Polled: Sendable {
        var outcome: LedgerOutcome?
        var ended = false
        var transportError = false
        var storeFailure: StoreError?
    }

    private func poll(_ jobs: [JobState], provider: String) async -> [Polled] {
        guard let client = clients[provider] else { return [] }
        return await withTaskGroup(of: Polled.self) { group in
            var results: [Polled] = []
            var inFlight = 0
            for job in jobs {
                guard let externalID = job.externalID else { continue }
                if inFlight >= settings.pollConcurrency, let done = await group.next() {
                    results.append(done)
                    inFlight -= 1
                }
                // A 429 or 5xx in this round pauses the rest of it for the provider; a stop, the whole round.
                if pausedUntil(provider) != nil || shutdown.isRequested { break }
                group.addTask { await self.pollOne(job, externalID: externalID, client: client) }
                inFlight += 1
                try? await Task.sleep(for: spacing)
            }
            for await done in group { results.append(done) }
            return results
        }
    }

    private func pollOne(_ job: JobState, externalID: String, client: PollClient) async -> Polled {
        let answer: Result<OutboundResponse, OutboundError>
        do { answer = .success(try await outbound.send(client.request(externalID: externalID))) } catch { answer = .failure(error) }
        if case .success(let response) = answer { noteProviderHealth(client.provider, response) }
        // A round cut short by shutdown records nothing: a cancelled request is not the provider's answer.
        if Task.isCancelled { return Polled(outcome: nil) }
        let result = client.result(answer, attempt: Int(job.pollCount) + 1, externalID: externalID)
        state.withLock { $0.lastPolled[job.jobID] = clock.now }
        let metadata = EventMetadata(actor: "poller", source: "poll")
        do {
            let outcome = try await store.execute(.job(jobID: job.jobID, command: .poll(result), metadata: metadata))
            let ended = outcome.state.map { $0.status.isTerminal } ?? false
            logger.info("poll recorded", metadata: [
                "provider": .string(client.provider), "job_id": .string(job.jobID), "position": .stringConvertible(outcome.factPosition ?? 0),
                "reported_status": .string(result.reportedStatus.rawValue), "http_status": .stringConvertible(result.httpStatus ?? 0),
            ])
            return Polled(outcome: outcome, ended: ended, transportError: result.transportError != nil)
        } catch {
            logger.error("poll not recorded", metadata: ["job_id": .string(job.jobID), "error": .string(error.description)])
            return Polled(outcome: nil, transportError: result.transportError != nil, storeFailure: error)
        }
    }

    /// The pause after a 429 or 5xx without `Retry-After`, doubled with each such answer in a row.
    static let firstPauseMilliseconds: Int64 = 30_000

    /// 429 and 5xx pause the provider: `Retry-After` seconds (capped), else
    /// 30 s doubling with each failure in a row. Any other answer clears it
    /// once it has run out: an answer to a poll sent before the 429 says
    /// nothing about the pause the provider asked for.
    func noteProviderHealth(_ provider: String, _ response: OutboundResponse) {
        let now = clock.now
        state.withLock { state in
            guard PollResult.asksForPause(httpStatus: response.status) else {
                if let pause = state.backoff[provider], now >= pause.until { state.backoff[provider] = nil }
                return
            }
            let failures = (state.backoff[provider]?.failures ?? 0) + 1
            // Capped before it is multiplied: a hostile Retry-After must not overflow.
            let suggestedMilliseconds = response.headers["retry-after"].flatMap(Int64.init)
                .map { min(max($0, 0), settings.retryAfterMaxMilliseconds / 1000) * 1000 }
                ?? Self.firstPauseMilliseconds << min(failures - 1, 10)
            let pauseMilliseconds = min(max(suggestedMilliseconds, 1000), settings.retryAfterMaxMilliseconds)
            state.backoff[provider] = (now.adding(milliseconds: pauseMilliseconds), failures)
        }
    }
}
