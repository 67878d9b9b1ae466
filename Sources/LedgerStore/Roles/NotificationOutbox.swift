import LedgerCore

/// The notifier's outbox: the notifications still open, and each job's
/// notifications as its fold keeps them.
public protocol NotificationOutbox: Sendable {
    /// Notifications still open, queued after `position`.
    func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation]
    /// The newest `notification.queued` position (0 for none).
    func lastQueuedNotificationPosition() async throws(StoreError) -> Int64
    /// The job folded from its whole stream (with what only the decider keeps).
    func foldedJob(_ jobID: String) async throws(StoreError) -> JobState?
}
