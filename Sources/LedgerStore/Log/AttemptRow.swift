import LedgerCore

/// One delivery attempt of a notification, as its
/// `projection_notification_attempts` row: what the deliveries page lists.
/// Its outcome is the decider's: an attempt is `failing` until the event the
/// same decision put right after it says it delivered or dead-lettered the
/// notification (``Decider``'s `notification.attempted` is followed at the
/// next position by its `notification.delivered` or `.dead_lettered`).
public struct AttemptRow: ProjectionRow, Hashable {
    public var position: Int64
    public var attemptedAt: Timestamp
    public var jobID: String
    public var step: NotificationStep
    public var outcome: DeliveryFilter.Outcome

    public static let table = "projection_notification_attempts"
    public static let columns = [
        "position", "attempted_at", "job_id", "notification_id", "event", "attempt", "outcome", "http_status", "error",
        "latency_ms",
    ]

    /// The attempt `step` records, a `notification.attempted` of job `jobID`
    /// stored as `recorded`: failing until the event after it says otherwise.
    public init(_ step: NotificationStep, at recorded: RecordedEvent, jobID: String) {
        self.init(position: recorded.position, attemptedAt: recorded.recordedAt, jobID: jobID, step: step, outcome: .failing)
    }

    init(position: Int64, attemptedAt: Timestamp, jobID: String, step: NotificationStep, outcome: DeliveryFilter.Outcome) {
        self.position = position
        self.attemptedAt = attemptedAt
        self.jobID = jobID
        self.step = step
        self.outcome = outcome
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
