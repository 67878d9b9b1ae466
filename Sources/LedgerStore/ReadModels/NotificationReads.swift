import LedgerCore

/// What the notifier and the operators read of notifications, from the rows
/// the fold keeps (`projection_notifications`, ``NotificationRow``): the same
/// SQL on every engine. Which notification is open, delivered or dead-lettered
/// is the fold's judgement (``NotificationProgress/Stage``), stored in `stage`.
public enum NotificationReads {
    /// Open notifications queued after `position`, in the order they were
    /// queued: `queued_position`, `job_id`, `queued_at` (``location(_:)``).
    public static func openSQL(after position: Int64, limit: Int) -> String {
        """
        SELECT queued_position, job_id, queued_at FROM projection_notifications
        WHERE stage = '\(NotificationProgress.Stage.open.rawValue)' AND queued_position > \(position)
        ORDER BY queued_position LIMIT \(limit)
        """
    }

    /// The position of the newest `notification.queued` (0 for none): `position`.
    public static let lastQueuedSQL = "SELECT coalesce(max(queued_position), 0) AS position FROM projection_notifications"

    /// An open notification's `notification.queued`, as the outbox names it.
    public static func location(_ row: some ColumnReader) -> EventLocation {
        EventLocation(position: row.integer("queued_position") ?? 0, stream: StreamName.job(row.text("job_id") ?? ""),
                      type: EventType.notificationQueued.rawValue,
                      recordedAt: row.text("queued_at").flatMap(Timestamp.init(iso8601:)) ?? Timestamp(millisecondsSinceEpoch: 0))
    }

    /// Notifications queued before `before` and still open: `notifications` (no row for none).
    static func overdueSQL(queuedBefore before: Timestamp) -> String {
        """
        SELECT count(*) AS notifications FROM projection_notifications
        WHERE stage = '\(NotificationProgress.Stage.open.rawValue)' AND queued_at < '\(before.iso8601)'
        HAVING count(*) > 0
        """
    }

    /// How many notifications are open and how many dead-lettered now:
    /// `open`, `dead_lettered` (each counted on its partial index).
    public static let stageCountsSQL = """
        SELECT (SELECT count(*) FROM projection_notifications WHERE stage = '\(NotificationProgress.Stage.open.rawValue)') AS open,
               (SELECT count(*) FROM projection_notifications
                WHERE stage = '\(NotificationProgress.Stage.deadLettered.rawValue)') AS dead_lettered
        """

    /// Each delivery attempt with its outcome (``AttemptRow``).
    static let deliveriesSQL = "SELECT \(AttemptRow.columns.joined(separator: ", ")) FROM \(AttemptRow.table)"

    /// Dead letters not queued again, in the order they were dead-lettered.
    static let deadLettersSQL = """
        SELECT n.job_id, n.notification_id, n.event, n.settled_at AS dead_lettered_at, j.status,
               n.settled_position AS dead_lettered_position
        FROM projection_notifications n JOIN projection_jobs j ON j.job_id = n.job_id
        WHERE n.stage = '\(NotificationProgress.Stage.deadLettered.rawValue)'
        ORDER BY n.settled_position
        """
}
