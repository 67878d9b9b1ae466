/// Command handling, done once and in the core: from a request and
/// what the ledger holds to the events to append, per stream. It routes
/// webhooks to their job or to the orphans, deduplicates and adopts orphans
/// (with the decisions each causes), guards external-id ownership, validates,
/// and stamps causation metadata. The store loads, calls this, checks the
/// expected versions, chains, inserts and projects; nothing else.
///
/// ```swift
/// let plan = try CommandHandler.handle(.webhook(delivery, metadata: metadata), context: context, reader: reader)
/// // plan.appends: [("job-42", after version 3, [webhook.received, job.failed, credit.refunded])]
/// ```
public enum CommandHandler {
    /// `context.factPosition` is the position the first appended event will take.
    public static func handle(_ request: LedgerRequest, context: DecisionContext,
                              reader: some LedgerReader) throws -> CommandPlan {
        var planner = Planner(context: context, reader: reader)
        switch request {
        case .job(let jobID, let command, let metadata):
            if let problem = Identifier.problem(jobID, field: "job_id") { throw DecisionError.invalid(problem) }
            try planner.decide(command, jobID: jobID, metadata: metadata)
        case .webhook(let webhook, let claimedJobID, let metadata):
            try planner.receive(webhook, claimedJobID: claimedJobID, metadata: metadata)
        }
        return planner.plan
    }
}

/// What to append, in order: each stream's events after the version it was read at.
public struct CommandPlan: Sendable, Hashable {
    public struct Append: Sendable, Hashable {
        public var stream: String
        /// The stream's version the decision was made on (optimistic concurrency).
        public var expectedVersion: Int64
        public var events: [NewEvent]
    }

    public var appends: [Append] = []
    /// The job the request concerned; nil for an orphan.
    public var jobID: String?
    /// The fact recorded was a duplicate delivery.
    public var duplicate = false
    /// A duplicate by its delivery id alone: the job has that id recorded with
    /// another body (a sender that reuses ids; what it says now decides nothing).
    public var reusedDeliveryID = false
    public var orphan = false

    /// True when nothing is to be appended (the request was already recorded).
    public var isEmpty: Bool { appends.isEmpty }
}

/// One request's planning: positions and job states move as events are planned.
struct Planner<Reader: LedgerReader> {
    let context: DecisionContext
    let reader: Reader
    var plan = CommandPlan()
    private var nextPosition: Int64
    private var states: [String: JobState] = [:]
    /// Events planned for a job and not yet folded into `states`.
    private var unfolded: [String: [(events: [NewEvent], afterVersion: Int64)]] = [:]

    init(context: DecisionContext, reader: Reader) {
        self.context = context
        self.reader = reader
        nextPosition = context.factPosition
    }

    /// An authenticated webhook: to the job it names (``WebhookRoute``), or kept as an orphan.
    mutating func receive(_ webhook: WebhookReceived, claimedJobID: String?, metadata: EventMetadata) throws {
        if let problem = webhook.externalIDProblem { throw DecisionError.invalid(problem) }
        let owner = webhook.externalID.isEmpty ? nil : try reader.jobID(provider: webhook.provider, externalID: webhook.externalID)
        let claimedJob = try claimedJobID.flatMap { id in Identifier.problem(id, field: "id") == nil ? try state(id) : nil }
        switch WebhookRoute.of(webhook, claimedJobID: claimedJobID, claimedJob: claimedJob, owner: owner) {
        case .job(let jobID, let matchedBy):
            var fact = webhook
            fact.matchedBy = matchedBy
            try decide(.webhook(fact), jobID: jobID, metadata: metadata)
        case .orphan:
            try keepOrphan(webhook, metadata: metadata)
        case .unroutable(let problem):
            throw DecisionError.invalid(problem)
        }
    }

    /// Decides `command` on the job as planned so far; a decision that reveals
    /// the job's external id (or a re-evaluation) adopts its waiting orphans.
    mutating func decide(_ command: JobCommand, jobID: String, metadata: EventMetadata) throws {
        let before = try state(jobID)
        var decision = context
        decision.factPosition = nextPosition
        let events = try Decider.decide(command, state: before, context: decision)
        try checkExternalIDFree(events, state: before)
        if plan.jobID == nil {
            // The request's own fact, not an orphan adopted after it, says what the request was.
            plan.jobID = jobID
            if case .webhookReceived(let fact)? = events.first {
                plan.duplicate = fact.duplicate
                plan.reusedDeliveryID = fact.duplicate && !before.seenBodyHashes.contains(fact.bodySHA256)
            }
        }
        if !events.isEmpty {
            append(events.enumerated().map { offset, event in
                NewEvent(event, metadata: offset == 0 ? metadata : Self.decisionMetadata(metadata, factPosition: decision.factPosition))
            }, to: StreamName.job(jobID), after: before.version, jobID: jobID)
        }
        let looksAgain = if case .reevaluate = command { true } else { false }
        guard events.contains(where: \.revealsExternalID) || looksAgain else { return }
        let after = try state(jobID)
        if let externalID = after.externalID {
            try adoptOrphans(provider: after.provider, externalID: externalID, jobID: jobID)
        }
    }

    /// Moves the waiting orphans of `externalID` into the job's stream, in
    /// arrival order, each with the decisions it causes now.
    private mutating func adoptOrphans(provider: String, externalID: String, jobID: String) throws {
        for orphan in try reader.waitingOrphans(provider: provider, externalID: externalID) {
            guard case .webhookReceived(var webhook) = orphan.event else { continue }
            webhook.adoptedFrom = orphan.position
            webhook.duplicate = false
            let metadata = EventMetadata(actor: orphan.metadata.actor, source: "adoption",
                                         correlationID: orphan.metadata.correlationID, causationPosition: orphan.position)
            try decide(.webhook(webhook), jobID: jobID, metadata: metadata)
        }
    }

    /// A webhook naming no known job: kept in `orphans-<provider>`; a repeat of a
    /// waiting orphan (same delivery or same body for the same external id) is a duplicate.
    private mutating func keepOrphan(_ webhook: WebhookReceived, metadata: EventMetadata) throws {
        try webhook.validate()
        var fact = webhook
        fact.adoptedFrom = nil
        fact.duplicate = try reader.orphanRecorded(provider: webhook.provider, externalID: webhook.externalID,
                                                   deliveryID: webhook.deliveryID, bodySHA256: webhook.bodySHA256)
        let stream = StreamName.orphans(webhook.provider)
        plan.orphan = true
        plan.duplicate = fact.duplicate
        append([NewEvent(.webhookReceived(fact), metadata: metadata)], to: stream, after: try reader.streamVersion(stream), jobID: nil)
    }

    private mutating func append(_ events: [NewEvent], to stream: String, after version: Int64, jobID: String?) {
        plan.appends.append(.init(stream: stream, expectedVersion: version, events: events))
        if let jobID { unfolded[jobID, default: []].append((events, version)) }
        nextPosition += Int64(events.count)
    }

    /// The job as planned so far: its planned events are folded only when it
    /// is read again (an adoption), not for every webhook.
    private mutating func state(_ jobID: String) throws -> JobState {
        var state = try states[jobID] ?? reader.jobState(jobID)
        if let pending = unfolded.removeValue(forKey: jobID) {
            states[jobID] = nil
            for (events, version) in pending {
                for (offset, new) in events.enumerated() {
                    state.apply(new.event, version: version + Int64(offset) + 1, at: context.now)
                }
            }
        }
        states[jobID] = state
        return state
    }

    /// A job's external id is its own: registering or submitting one another
    /// job of the provider holds is refused.
    private func checkExternalIDFree(_ events: [LedgerEvent], state: JobState) throws {
        for event in events {
            let claim: (provider: String, externalID: String)? = switch event {
            case .jobSubmitted(let submitted): (state.provider, submitted.externalID)
            case .jobRegistered(let registered): registered.externalID.map { (registered.provider, $0) }
            default: nil
            }
            guard let claim, let owner = try reader.jobID(provider: claim.provider, externalID: claim.externalID),
                  owner != state.jobID else { continue }
            throw DecisionError.externalIDTaken(provider: claim.provider, externalID: claim.externalID, jobID: owner)
        }
    }

    /// The fact keeps the caller's metadata; decisions are the ledger's, caused by the fact.
    private static func decisionMetadata(_ metadata: EventMetadata, factPosition: Int64) -> EventMetadata {
        EventMetadata(actor: "ledger", source: "decider", correlationID: metadata.correlationID, causationPosition: factPosition)
    }
}

private extension LedgerEvent {
    /// A decision that makes the job's external id known: its orphans can be adopted.
    var revealsExternalID: Bool {
        switch self {
        case .jobSubmitted: true
        case .jobRegistered(let registered): registered.externalID != nil
        default: false
        }
    }
}
