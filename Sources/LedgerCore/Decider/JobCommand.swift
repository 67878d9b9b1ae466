/// A fact from outside, or a request, about one job: the decider's input.
public enum JobCommand: Sendable, Hashable {
    /// The app registers a job (`POST /v1/jobs`).
    case register(JobRegistered)
    /// The provider's id became known (`POST /v1/jobs/{id}/submitted`).
    case submit(externalID: String)
    /// An authenticated webhook that names this job. `duplicate` is decided here.
    case webhook(WebhookReceived)
    /// The provider answered a poll.
    case poll(PollResult)
    /// The watchdog looked at the job as `judged` (what it awaited, and
    /// whether it was submitted, when the watchdog read it; nil: not checked).
    /// The watchdog reads a page of jobs, then looks at each (polling some):
    /// a job submitted meanwhile waits for something else, or since later,
    /// and a look at the state that is gone records nothing (it could fail
    /// and refund a job its provider had just started).
    case watchdog(WatchdogDecision, judged: WatchdogPolicy.Judged? = nil)
    /// The app cancels the job.
    case cancel(reason: String)
    /// An operator declares the job completed, with its outputs.
    case resolveCompleted(OperatorAction, outputs: JSONValue)
    /// An operator declares the job failed.
    case resolveFailed(OperatorAction)
    /// An operator asks the ledger to look at the job again. Recorded as an
    /// `operator.action` (once: an identical repeat records nothing); waiting
    /// orphans of the job's external id are adopted with their decisions.
    case reevaluate(OperatorAction)
    /// The notifier queues a notification or records a delivery attempt.
    case notification(NotificationCommand)
}

/// The policy and the moment a decision is made under. Time comes in as an
/// argument: the decider never reads a clock.
public struct DecisionContext: Sendable, Hashable {
    public var now: Timestamp
    public var lateCompletionPolicy: LateCompletionPolicy
    /// The position the first event of this decision will be stored at; the
    /// decisions name it as their `evidence_position`.
    public var factPosition: Int64
    /// Hex digits naming this history at the fact (the engine's: SHA-256
    /// of the chain hash before `factPosition` and of `now`), empty when
    /// unknown: notification ids carry them, so a log restored from a
    /// backup, whose later positions hold other events, never gives an id
    /// the app has already seen to another fact. (The hash before the fact
    /// alone did not do: the first fact after the backup's end follows the
    /// same event in both histories.)
    public var historyTag: String
    /// Whether terminal changes are told to the app: each gets a
    /// `notification.queued` in the same transaction (the outbox).
    public var notificationsEnabled: Bool
    /// With notifications on, whether the app also hears of starts and progress.
    public var notifyEvents: NotifyEvents

    public init(now: Timestamp, lateCompletionPolicy: LateCompletionPolicy = .keepRefund, factPosition: Int64,
                historyTag: String = "", notificationsEnabled: Bool = false, notifyEvents: NotifyEvents = .terminal) {
        self.now = now
        self.lateCompletionPolicy = lateCompletionPolicy
        self.factPosition = factPosition
        self.historyTag = historyTag
        self.notificationsEnabled = notificationsEnabled
        self.notifyEvents = notifyEvents
    }
}
