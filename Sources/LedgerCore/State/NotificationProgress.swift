/// Where one notification to the app stands, folded from the job's
/// `notification.*` events: the outbox is the log itself.
public struct NotificationProgress: Sendable, Hashable {
    public enum Stage: String, Sendable, Hashable {
        /// Queued or being retried.
        case open
        case delivered
        case deadLettered = "dead_lettered"
    }

    public var notificationID: String
    /// The event type it tells the app about, e.g. `job.completed`.
    public var event: String
    public var stage: Stage
    /// Attempts since it was (re)queued.
    public var attempts: Int
    public var queuedAt: Timestamp
    public var lastAttemptAt: Timestamp?

    mutating func apply(_ event: LedgerEvent, at: Timestamp) {
        switch event {
        case .notificationQueued:
            // A re-drive queues a dead letter again: a new round of attempts.
            stage = .open
            attempts = 0
            queuedAt = at
            lastAttemptAt = nil
        case .notificationAttempted(let step):
            attempts = max(attempts, step.attempt)
            lastAttemptAt = at
        case .notificationDelivered: stage = .delivered
        case .notificationDeadLettered: stage = .deadLettered
        default: break
        }
    }
}

/// What the notifier asks the decider to record about a notification.
public enum NotificationCommand: Sendable, Hashable {
    /// Put a notification about the event at the job's `event` type in the outbox
    /// (again, when a re-drive revives a dead letter).
    case queue(notificationID: String, event: String)
    /// The outcome of one delivery attempt under a schedule of `attemptsMax`
    /// attempts (``RetrySchedule/attemptsMax``): the decider dead-letters a
    /// failure that was the last. `latencyMilliseconds`: how long the app took to answer.
    case attempted(notificationID: String, httpStatus: Int?, error: String?, attemptsMax: Int, latencyMilliseconds: Int? = nil)
}
