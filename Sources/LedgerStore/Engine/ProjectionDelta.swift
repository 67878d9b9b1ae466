import LedgerCore

/// What a batch of events changes in the projection tables besides the job
/// rows, summed per key: each account, provider, unknown status word and
/// notification is written once per batch whatever the number of events, orphans are
/// inserted and adoptions marked in position order. Live group commits and
/// rebuilds both write projections through it, on every engine.
public struct ProjectionDelta: Sendable {
    public var accounts: [String: Contribution.Account] = [:]
    /// Provider counters, without their unknown status words (``unknownStatuses``).
    public var providers: [String: Contribution.Provider] = [:]
    public var unknownStatuses: [UnknownStatusKey: Contribution.UnknownStatusTally] = [:]
    public var orphans: [OrphanRow] = []
    public var adoptions: [Adoption] = []
    /// Each notification's row after the batch.
    public var notifications: [NotificationRow.Key: NotificationRow] = [:]
    /// The batch's delivery attempts, by position, with their outcomes.
    public var attempts: [Int64: AttemptRow] = [:]
    /// Outcomes of attempts written before the batch (an import's batch can
    /// end between an attempt and the event that settles it).
    public var settlements: [AttemptRow.Settlement] = []
    public var refunds: [RefundRow] = []
    public var lateCompletions: [LateCompletionRow] = []
    public var conflicts: [ConflictRow] = []
    public var lateWebhooks: [LateWebhookRow] = []

    public struct UnknownStatusKey: Hashable, Sendable {
        public var provider: String
        public var rawStatus: String
    }

    /// A webhook kept in `orphans-<provider>`, as its `projection_orphans` row.
    public struct OrphanRow: Sendable, Hashable {
        public var position: Int64
        public var provider: String
        public var externalID: String
        public var deliveryID: String
        public var bodySHA256: String
        public var duplicate: Bool
        public var receivedAt: Timestamp
    }

    /// The orphan at `orphanPosition` adopted by `jobID` at `position`.
    public struct Adoption: Sendable, Hashable {
        public var orphanPosition: Int64
        public var jobID: String
        public var position: Int64
    }

    public init() {}

    /// Whether a row names a position or time of the batch's own events (an
    /// orphan, an attempt, a refund, a report in conflict, a late webhook...): such a batch
    /// cannot be moved to later positions after it was decided
    /// (``PreparedBatch/Rebase``), since the rows would keep the old ones.
    public var namesPositions: Bool {
        !(orphans.isEmpty && adoptions.isEmpty && notifications.isEmpty && attempts.isEmpty && settlements.isEmpty
          && refunds.isEmpty && lateCompletions.isEmpty && conflicts.isEmpty && lateWebhooks.isEmpty)
    }

    public var isEmpty: Bool {
        accounts.isEmpty && providers.isEmpty && unknownStatuses.isEmpty && orphans.isEmpty && adoptions.isEmpty && notifications.isEmpty
            && attempts.isEmpty && settlements.isEmpty && refunds.isEmpty && lateCompletions.isEmpty
            && conflicts.isEmpty && lateWebhooks.isEmpty
    }

    /// Adds what `recorded` changes besides its job's row; `before` is its
    /// job's state before it (nil for an event outside a job stream).
    public mutating func add(_ recorded: RecordedEvent, jobBefore before: JobState?) throws(StoreError) {
        if let before { try add(recorded, ofJob: before) } else { addOutsideJobs(recorded) }
    }

    /// Adds what `recorded`, an event of the job whose state before it was
    /// `before`, changes besides the job's row. One switch per event: it runs
    /// for every append and every event a rebuild reads (which passes its
    /// job's state as it is, not wrapped in an optional: a copy per event).
    /// An account's sum past 2^63-1 is refused (``StoreError/totalOutOfRange``).
    public mutating func add(_ recorded: RecordedEvent, ofJob before: JobState) throws(StoreError) {
        try add(Contribution.of(recorded, jobBefore: before))
        switch recorded.event {
        case .webhookReceived(let webhook):
            if let conflict = ConflictRow.of(webhook.providerReport, at: recorded, jobBefore: before) { conflicts.append(conflict) }
            if let late = LateWebhookRow.of(webhook, at: recorded, jobBefore: before) { lateWebhooks.append(late) }
            if let orphan = webhook.adoptedFrom {
                adoptions.append(Adoption(orphanPosition: orphan, jobID: before.jobID, position: recorded.position))
            }
        case .pollResult(let poll):
            if let conflict = ConflictRow.of(poll.providerReport, at: recorded, jobBefore: before) { conflicts.append(conflict) }
        case .notificationQueued(let step), .notificationAttempted(let step), .notificationDelivered(let step),
             .notificationDeadLettered(let step):
            addNotification(recorded, step, jobBefore: before)
        case .creditRefunded(let refund): refunds.append(RefundRow(refund, at: recorded, jobBefore: before))
        case .jobLateCompletion(let late): lateCompletions.append(LateCompletionRow(late, at: recorded, jobID: before.jobID))
        default: break
        }
    }

    /// An event outside every job stream: in an `orphans-<provider>` stream,
    /// its counts and its orphan row; elsewhere, nothing.
    public mutating func addOutsideJobs(_ recorded: RecordedEvent) {
        guard let provider = StreamName.orphanProvider(of: recorded.stream) else { return }
        // An orphan moves no account's credits: its provider's counts only.
        if let counts = Contribution.ofOrphan(recorded, provider: provider).provider { add(counts) }
        guard case .webhookReceived(let webhook) = recorded.event else { return }
        orphans.append(OrphanRow(position: recorded.position, provider: webhook.provider, externalID: webhook.externalID,
                                 deliveryID: webhook.deliveryID, bodySHA256: webhook.bodySHA256,
                                 duplicate: webhook.duplicate, receivedAt: recorded.recordedAt))
    }

    /// A `notification.*` event: the notification's row, and the attempt it
    /// records or settles.
    private mutating func addNotification(_ recorded: RecordedEvent, _ step: NotificationStep, jobBefore before: JobState) {
        if let row = NotificationRow.after(recorded, jobID: before.jobID, before: before.notifications[step.notificationID]) {
            notifications[row.key] = notifications[row.key].map { $0.followed(by: row) } ?? row
        }
        if case .notificationAttempted = recorded.event {
            attempts[recorded.position] = AttemptRow(step, at: recorded, jobID: before.jobID)
        } else if let settlement = AttemptRow.settlement(by: recorded) {
            // The attempt is in this batch unless an import's batch ended between the two.
            if let attempt = attempts[settlement.position] {
                attempts[settlement.position] = attempt.settled(by: settlement)
            } else {
                settlements.append(settlement)
            }
        }
    }

    public mutating func add(_ contribution: Contribution) throws(StoreError) {
        if let account = contribution.account {
            guard accounts[account.account, default: Contribution.Account(account: account.account)].add(account) else {
                throw .totalOutOfRange
            }
        }
        if let provider = contribution.provider { add(provider) }
    }

    private mutating func add(_ provider: Contribution.Provider) {
        for (word, tally) in provider.unknownStatuses {
            let key = UnknownStatusKey(provider: provider.provider, rawStatus: word)
            var sum = unknownStatuses[key] ?? Contribution.UnknownStatusTally(count: 0, lastSeenAt: tally.lastSeenAt)
            sum.count += tally.count
            sum.lastSeenAt = max(sum.lastSeenAt, tally.lastSeenAt)
            unknownStatuses[key] = sum
        }
        providers[provider.provider, default: Contribution.Provider(provider: provider.provider)].addCounts(provider)
    }
}
