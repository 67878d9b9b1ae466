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

    /// The outcome `recorded` gives the attempt just before it, if that is an
    /// attempt of the same notification; nil for an event that settles none.
    public static func settlement(by recorded: RecordedEvent) -> Settlement? {
        switch recorded.event {
        case .notificationDelivered(let step): Settlement(position: recorded.position - 1, notificationID: step.notificationID, outcome: .delivered)
        case .notificationDeadLettered(let step):
            Settlement(position: recorded.position - 1, notificationID: step.notificationID, outcome: .deadLettered)
        default: nil
        }
    }

    /// An attempt's outcome, decided by the event after it.
    public struct Settlement: Sendable, Hashable {
        public var position: Int64
        public var notificationID: String
        public var outcome: DeliveryFilter.Outcome
    }

    /// This row with `settlement`'s outcome when it is about this attempt.
    public func settled(by settlement: Settlement) -> AttemptRow {
        guard settlement.position == position, settlement.notificationID == step.notificationID else { return self }
        var row = self
        row.outcome = settlement.outcome
        return row
    }

    /// The row's values in ``columns`` order.
    public var rowValues: [SQLValue] {
        [.integer(position), .text(attemptedAt.iso8601), .text(jobID), .text(step.notificationID), .text(step.event),
         .integer(Int64(step.attempt)), .text(outcome.rawValue), step.httpStatus.map { .integer(Int64($0)) } ?? .null,
         SQLValue(step.error), step.latencyMilliseconds.map { .integer(Int64($0)) } ?? .null]
    }
}
