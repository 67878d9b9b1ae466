import LedgerCore

/// One delivery attempt of a notification, as its
/// `projection_notification_attempts` row: what the deliveries page lists.
/// Its outcome is the decider's: an attempt is `failing` until the event the
/// same decision put right after it says it delivered or dead-lettered the
/// notification (``Decider``'s `notification.attempted` is followed at the
/// next position by its `notification.delivered` or `.dead_lettered`).
public struct AttemptRow: Sendable, Hashable {
    public var position: Int64
    public var attemptedAt: Timestamp
    public var jobID: String
    public var step: NotificationStep
    public var outcome: DeliveryFilter.Outcome

    public static let columns = [
        "position", "attempted_at", "job_id", "notification_id", "event", "attempt", "outcome", "http_status", "error",
        "latency_ms",
    ]

    /// The row `recorded` adds (a `notification.attempted` in job `jobID`'s stream), or nil.
    public static func of(_ recorded: RecordedEvent, jobID: String) -> AttemptRow? {
        guard case .notificationAttempted(let step) = recorded.event else { return nil }
        return AttemptRow(position: recorded.position, attemptedAt: recorded.recordedAt, jobID: jobID, step: step, outcome: .failing)
    }

    /// The outcome `recorded` gives the attempt just before it, with that
    /// attempt's position; nil for an event that settles no attempt.
    public static func settlement(by recorded: RecordedEvent) -> (position: Int64, outcome: DeliveryFilter.Outcome)? {
        switch recorded.event {
        case .notificationDelivered: (recorded.position - 1, .delivered)
        case .notificationDeadLettered: (recorded.position - 1, .deadLettered)
        default: nil
        }
    }

    /// The row's values in ``columns`` order.
    public var rowValues: [SQLValue] {
        [.integer(position), .text(attemptedAt.iso8601), .text(jobID), .text(step.notificationID), .text(step.event),
         .integer(Int64(step.attempt)), .text(outcome.rawValue), step.httpStatus.map { .integer(Int64($0)) } ?? .null,
         SQLValue(step.error), step.latencyMilliseconds.map { .integer(Int64($0)) } ?? .null]
    }
}
