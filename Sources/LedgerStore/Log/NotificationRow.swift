import LedgerCore

/// A notification's `projection_notifications` row: its progress as the
/// fold keeps it (``NotificationProgress``), with the positions of the events
/// that queued and settled it. The notifier's outbox, the overdue count and
/// the dead letters are read from these rows, on every engine.
public struct NotificationRow: ProjectionRow, Hashable {
    public var jobID: String
    public var progress: NotificationProgress
    /// The position of its latest `notification.queued`; nil when the event
    /// that produced the row was not one (the stored value stands).
    public var queuedPosition: Int64?
    /// The position of its `notification.delivered` or `.dead_lettered`; nil
    /// when the event that produced the row was not one (the stored value
    /// stands, unless the notification is open again: then it is cleared).
    public var settledPosition: Int64?

    /// A notification is its job's: ids are unique within a job's stream.
    public struct Key: Sendable, Hashable {
        public var jobID: String
        public var notificationID: String
    }

    public var key: Key { Key(jobID: jobID, notificationID: progress.notificationID) }

    public static let table = "projection_notifications"
    public static let keyColumnCount = 2
    public static let columns = [
        "job_id", "notification_id", "event", "stage", "attempts", "queued_at", "queued_position", "last_attempt_at",
        "settled_at", "settled_position",
    ]

    /// The row after `recorded` (an event of job `jobID`'s stream), given the
    /// notification's progress before it; nil for an event about no notification.
    public static func after(_ recorded: RecordedEvent, jobID: String, before: NotificationProgress?) -> NotificationRow? {
        guard let progress = NotificationProgress.after(recorded.event, at: recorded.recordedAt, before: before) else { return nil }
        var row = NotificationRow(jobID: jobID, progress: progress)
        switch recorded.event {
        case .notificationQueued: row.queuedPosition = recorded.position
        case .notificationDelivered, .notificationDeadLettered: row.settledPosition = recorded.position
        default: break
        }
        return row
    }

    /// This row followed by `later`, a row of the same notification: the
    /// later progress, and each position the later one does not set kept.
    public func followed(by later: NotificationRow) -> NotificationRow {
        var row = later
        row.queuedPosition = later.queuedPosition ?? queuedPosition
        row.settledPosition = later.progress.stage == .open ? nil : later.settledPosition ?? settledPosition
        return row
    }

    /// The row's values in ``columns`` order.
    public var rowValues: [SQLValue] {
        [.text(jobID), .text(progress.notificationID), .text(progress.event), .text(progress.stage.rawValue),
         .integer(Int64(progress.attempts)), .text(progress.queuedAt.iso8601), queuedPosition.map(SQLValue.integer) ?? .null,
         SQLValue(progress.lastAttemptAt?.iso8601), SQLValue(progress.settledAt?.iso8601),
         settledPosition.map(SQLValue.integer) ?? .null]
    }

    /// As ``followed(by:)``: a position the new row does not carry keeps the
    /// stored one, but an open notification has no settlement.
    public static func assignment(_ column: String, stored: String) -> String {
        switch column {
        case "queued_position": "queued_position = coalesce(excluded.queued_position, \(stored).queued_position)"
        case "settled_position":
            "settled_position = CASE WHEN excluded.stage = 'open' THEN NULL "
                + "ELSE coalesce(excluded.settled_position, \(stored).settled_position) END"
        default: "\(column) = excluded.\(column)"
        }
    }
}
