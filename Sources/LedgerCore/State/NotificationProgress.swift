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
    /// When it was delivered or dead-lettered (nil while open).
    public var settledAt: Timestamp?

    /// The progress after `event`, recorded at `at`, of the notification whose
    /// progress was `before` (nil: none yet); nil for an event about no
    /// notification. The one fold of a notification: the job's state and the
    /// `projection_notifications` rows both take it.
    public static func after(_ event: LedgerEvent, at: Timestamp, before: NotificationProgress?) -> NotificationProgress? {
        guard let step = event.notificationStep else { return nil }
        var progress = before ?? NotificationProgress(notificationID: step.notificationID, event: step.event, stage: .open,
                                                      attempts: 0, queuedAt: at)
        progress.apply(event, at: at)
        return progress
    }

    private mutating func apply(_ event: LedgerEvent, at: Timestamp) {
        switch event {
        case .notificationQueued:
            // A re-drive queues a dead letter again: a new round of attempts.
            stage = .open
            attempts = 0
            queuedAt = at
            lastAttemptAt = nil
            settledAt = nil
        case .notificationAttempted(let step):
            attempts = max(attempts, step.attempt)
            lastAttemptAt = at
        case .notificationDelivered:
            stage = .delivered
            settledAt = at
        case .notificationDeadLettered:
            stage = .deadLettered
            settledAt = at
        default: break
        }
    }
}

extension LedgerEvent {
    /// The notification step of a `notification.*` event, nil for any other.
    public var notificationStep: NotificationStep? {
        switch self {
        case .notificationQueued(let step), .notificationAttempted(let step), .notificationDelivered(let step),
             .notificationDeadLettered(let step): step
        default: nil
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
