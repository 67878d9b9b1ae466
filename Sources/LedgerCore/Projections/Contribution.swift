/// What one event adds to the `accounts` and `provider_health` projections.
///
/// Live appends and `ledger rebuild` both sum these, so the two cannot drift
/// apart. Every counter is a function of one event and the state of its own
/// stream before it, which lets a rebuild fold stream by stream.
public struct Contribution: Sendable, Hashable {
    public struct Account: Sendable, Hashable {
        public var account: String
        public var charged: Int64 = 0
        public var refunded: Int64 = 0
        public var recharged: Int64 = 0

        public init(account: String, charged: Int64 = 0, refunded: Int64 = 0, recharged: Int64 = 0) {
            self.account = account
            self.charged = charged
            self.refunded = refunded
            self.recharged = recharged
        }
    }

    public struct Provider: Sendable, Hashable {
        public var provider: String
        /// Deliveries received (an adopted orphan counts once, when it arrived).
        public var webhooks: Int64 = 0
        public var duplicates: Int64 = 0
        public var orphans: Int64 = 0
        /// Non-duplicate webhooks for a job that was already terminal.
        public var lateWebhooks: Int64 = 0
        public var conflicts: Int64 = 0
        /// Terminal outcomes by the source of their evidence.
        public var terminalBySource: [EvidenceSource: Int64] = [:]
        public var lastWebhookAt: Timestamp?
        /// Status words the provider's profile does not know, by word: each
        /// non-duplicate webhook or answered poll that reports one counts once
        /// (`unknown_statuses`), never silently ignored.
        public var unknownStatuses: [String: UnknownStatusTally] = [:]

        public init(provider: String, webhooks: Int64 = 0, duplicates: Int64 = 0, orphans: Int64 = 0,
                    lateWebhooks: Int64 = 0, conflicts: Int64 = 0, terminalBySource: [EvidenceSource: Int64] = [:],
                    lastWebhookAt: Timestamp? = nil, unknownStatuses: [String: UnknownStatusTally] = [:]) {
            self.provider = provider
            self.webhooks = webhooks
            self.duplicates = duplicates
            self.orphans = orphans
            self.lateWebhooks = lateWebhooks
            self.conflicts = conflicts
            self.terminalBySource = terminalBySource
            self.lastWebhookAt = lastWebhookAt
            self.unknownStatuses = unknownStatuses
        }
    }

    /// How often a status word its profile maps to `unknown` came from a
    /// provider, and when last.
    public struct UnknownStatusTally: Sendable, Hashable {
        public var count: Int64
        public var lastSeenAt: Timestamp

        public init(count: Int64 = 1, lastSeenAt: Timestamp) {
            self.count = count
            self.lastSeenAt = lastSeenAt
        }
    }

    public init(account: Account? = nil, provider: Provider? = nil) {
        self.account = account
        self.provider = provider
    }

    public var account: Account?
    public var provider: Provider?

    /// The contribution of `recorded` to a job stream whose state before it was `before`.
    public static func of(_ recorded: RecordedEvent, jobBefore before: JobState) -> Contribution {
        var result = Contribution()
        switch recorded.event {
        case .jobRegistered(let registered):
            result.account = Account(account: registered.account, charged: registered.cost)
        case .creditRefunded(let refund):
            result.account = Account(account: refund.account, refunded: refund.amount)
        case .creditRecharged(let recharge):
            result.account = Account(account: recharge.account, recharged: recharge.amount)
        case .webhookReceived(let webhook):
            result.provider = jobWebhook(webhook, before: before, at: recorded.recordedAt)
        case .pollResult(let poll) where poll.transportError == nil:
            var counts = Provider(provider: before.provider)
            if before.isContradicted(by: poll.reportedStatus) { counts.conflicts = 1 }
            if poll.reportedStatus == .unknown, !poll.rawStatus.isEmpty, poll.httpStatus.map({ (200..<300).contains($0) }) ?? true {
                counts.unknownStatuses = [poll.rawStatus: UnknownStatusTally(lastSeenAt: recorded.recordedAt)]
            }
            if counts != Provider(provider: before.provider) { result.provider = counts }
        case .jobCompleted(let outcome): result.provider = terminal(outcome.source, before)
        case .jobFailed(let outcome): result.provider = terminal(outcome.source, before)
        case .jobCancelled(let outcome): result.provider = terminal(outcome.source, before)
        case .jobSubmitted, .pollResult, .watchdogDecision, .jobLateCompletion, .notificationQueued,
             .notificationAttempted, .notificationDelivered, .notificationDeadLettered, .operatorAction, .retentionApplied:
            break
        }
        return result
    }

    /// The contribution of an event in an `orphans-<provider>` stream.
    public static func ofOrphan(_ recorded: RecordedEvent, provider: String) -> Contribution {
        guard case .webhookReceived(let webhook) = recorded.event else { return Contribution() }
        var counts = Provider(provider: provider, webhooks: 1, orphans: 1, lastWebhookAt: recorded.recordedAt)
        if webhook.duplicate { counts.duplicates = 1 } else { counts.unknownStatuses = unknown(webhook, at: recorded.recordedAt) }
        return Contribution(provider: counts)
    }

    private static func jobWebhook(_ webhook: WebhookReceived, before: JobState, at: Timestamp) -> Provider {
        // An adopted copy was counted when it arrived as an orphan.
        guard webhook.adoptedFrom == nil else { return Provider(provider: before.provider) }
        var counts = Provider(provider: before.provider, webhooks: 1, lastWebhookAt: at)
        if webhook.duplicate {
            counts.duplicates = 1
        } else {
            if before.lateWebhookMilliseconds(webhook, at: at) != nil { counts.lateWebhooks = 1 }
            if before.isContradicted(by: webhook.reportedStatus) { counts.conflicts = 1 }
            counts.unknownStatuses = unknown(webhook, at: at)
        }
        return counts
    }

    private static func unknown(_ webhook: WebhookReceived, at: Timestamp) -> [String: UnknownStatusTally] {
        webhook.reportedStatus == .unknown ? [webhook.rawStatus: UnknownStatusTally(lastSeenAt: at)] : [:]
    }

    private static func terminal(_ source: EvidenceSource, _ before: JobState) -> Provider {
        Provider(provider: before.provider, terminalBySource: [source: 1])
    }
}
