import LedgerCore
import LedgerStore

/// Which jobs a re-drive acts on: named jobs, or every job matching a filter.
public struct RedriveSelection: Sendable, Hashable {
    public var jobIDs: [String] = []
    public var status: JobStatus?
    public var provider: String?
    /// Registered at or after / before these instants.
    public var since: Timestamp?
    public var until: Timestamp?

    public init(jobIDs: [String] = [], status: JobStatus? = nil, provider: String? = nil,
                since: Timestamp? = nil, until: Timestamp? = nil) {
        self.jobIDs = jobIDs
        self.status = status
        self.provider = provider
        self.since = since
        self.until = until
    }

    public var isBulk: Bool { jobIDs.isEmpty }
}

public enum RedriveAction: String, Sendable, CaseIterable {
    case poll, notify, reevaluate

    /// "cannot be …" in an answer.
    public var pastParticiple: String {
        switch self {
        case .poll: "polled"
        case .notify: "notified again"
        case .reevaluate: "re-evaluated"
        }
    }
}

/// What a re-drive did, or (dry run) would do.
public struct RedriveReport: Sendable, Hashable {
    public var matched = 0
    /// Jobs acted on: an `operator.action` recorded, then the action.
    public var acted = 0
    /// Jobs whose most recent operator action is this very one: nothing new (idempotent).
    public var repeated = 0
    /// Jobs the action cannot apply to (no external id to poll, nothing dead-lettered to notify again).
    public var notApplicable = 0
    /// Why, in words, with how many jobs for each reason.
    public var notApplicableReasons: [String: Int] = [:]
    /// Named jobs the ledger does not know (a filter names none): then nothing is done.
    public var unknownJobIDs: [String] = []
    public var appendedEvents = 0
}

/// Re-drives jobs (`ledger redrive`, the admin actions `poll`,
/// `notify`, `reevaluate`): each job acted on gets an `operator.action` with
/// the operator and reason, then a poll now, its dead-lettered notifications
/// queued again, or the watchdog's look now. A second identical run appends
/// nothing: a job whose most recent operator action is this very one (same
/// operator, action and reason) is left alone, unless it is a poll that met a
/// pause (429, 5xx) or no answer: that job is polled again (the action is not
/// recorded twice); a new reason is a new re-drive.
/// The action is recorded before it is performed (the log reads in order); a
/// crash between the two leaves a recorded re-drive whose effect a new
/// reason must bring about.
public struct Redriver: Sendable {
    let store: any JobCommands & JobQueries & NotificationOutbox
    let poller: Poller?
    let watchdog: Watchdog?

    public init(store: any JobCommands & JobQueries & NotificationOutbox, poller: Poller?, watchdog: Watchdog?) {
        self.store = store
        self.poller = poller
        self.watchdog = watchdog
    }

    /// The jobs `selection` matches, in job-id order.
    public func matching(_ selection: RedriveSelection) async throws(StoreError) -> [JobState] {
        if !selection.jobIDs.isEmpty {
            var jobs: [JobState] = []
            for jobID in selection.jobIDs { if let job = try await store.job(jobID) { jobs.append(job) } }
            return jobs
        }
        return try await filtered(selection)
    }

    private func filtered(_ selection: RedriveSelection) async throws(StoreError) -> [JobState] {
        var jobs: [JobState] = []
        var after: String?
        let filter = JobFilter(status: selection.status, provider: selection.provider,
                               registeredFrom: selection.since, registeredBefore: selection.until)
        repeat {
            let page = try await store.jobPage(filter, after: after, limit: JobFilter.pageSizeMax)
            jobs += page.jobs
            after = page.nextAfter
        } while after != nil
        return jobs
    }

    public func run(_ selection: RedriveSelection, action: RedriveAction, operatorName: String, reason: String,
                    dryRun: Bool) async throws(StoreError) -> RedriveReport {
        var report = RedriveReport()
        let jobs = try await matching(selection)
        report.matched = jobs.count
        let found = Set(jobs.map(\.jobID))
        report.unknownJobIDs = selection.jobIDs.filter { !found.contains($0) }
        // A mistyped id acts on none of the jobs named: the operator corrects the list and runs it again.
        guard report.unknownJobIDs.isEmpty else { return report }
        let record = OperatorAction(operatorName: operatorName, action: action.rawValue, reason: reason)
        for job in jobs {
            guard let folded = try await store.foldedJob(job.jobID) else { continue }
            if folded.lastOperatorAction == record, action != .poll || folded.answeredSinceOperatorAction {
                report.repeated += 1
                continue
            }
            if let why = inapplicable(action, to: folded) {
                report.notApplicable += 1
                report.notApplicableReasons[why, default: 0] += 1
                continue
            }
            report.acted += 1
            if dryRun { continue }
            let recorded = try await store.execute(.job(jobID: job.jobID, command: .reevaluate(record),
                                                        metadata: EventMetadata(actor: "operator:\(operatorName)", source: "redrive")))
            report.appendedEvents += recorded.appended.count
            report.appendedEvents += try await perform(action, on: recorded.state ?? folded, folded: folded)
            // Polls one after another keep to the poller's pace (a bulk re-drive sent 130 a second
            // to a provider in an outage); a 429 or 5xx pauses the rest (``inapplicable``).
            if action == .poll, let spacing = poller?.spacing { try? await Task.sleep(for: spacing) }
        }
        return report
    }

    /// Why `action` cannot apply to `job`, or nil when it can.
    private func inapplicable(_ action: RedriveAction, to job: JobState) -> String? {
        switch action {
        case .poll:
            guard job.externalID != nil else { return "no external id yet (nothing to ask the provider about)" }
            guard let poller else { return "polling is not set up in this process" }
            if let until = poller.pausedUntil(job.provider) {
                return "\(job.provider) asked for a pause (429 or 5xx) until \(until.iso8601): poll after it"
            }
            return poller.unpollable(job.provider)
        case .notify:
            return job.notifications.values.contains { $0.stage == .deadLettered } ? nil : "no dead-lettered notification to send again"
        case .reevaluate:
            return nil
        }
    }

    /// Performs the action; returns how many events it appended.
    private func perform(_ action: RedriveAction, on job: JobState, folded: JobState) async throws(StoreError) -> Int {
        switch action {
        case .poll:
            return try await poller?.pollNow(job)?.appended.count ?? 0
        case .notify:
            var count = 0
            for dead in folded.notifications.values.filter({ $0.stage == .deadLettered }).sorted(by: { $0.notificationID < $1.notificationID }) {
                let command = NotificationCommand.queue(notificationID: dead.notificationID, event: dead.event)
                count += try await store.execute(.job(jobID: job.jobID, command: .notification(command),
                                                      metadata: EventMetadata(actor: "redrive", source: "redrive"))).appended.count
            }
            return count
        case .reevaluate:
            var round = WatchdogRound()
            try await watchdog?.look(at: job, round: &round)
            return round.recorded
        }
    }
}
