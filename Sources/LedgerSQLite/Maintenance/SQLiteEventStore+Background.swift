import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    /// Jobs without a terminal status, in job-id order after `afterJobID`
    /// (keyset pages): what the poller and the watchdog look at.
    public func openJobs(after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM projection_jobs
                WHERE status IN ('registered', 'processing') AND job_id > ?
                ORDER BY job_id LIMIT ?
                """, arguments: [afterJobID ?? "", limit]).map(JobState.init(row:))
        }
    }

    /// The job folded from its whole stream, with what only the decider
    /// keeps (notifications, the watchdog's last look); nil for no such job.
    public func foldedJob(_ jobID: String) async throws(StoreError) -> JobState? {
        try await replay(jobID: jobID).map(\.state)
    }

    /// The open notifications queued after `position`, in the order they
    /// were queued (``NotificationReads``): the notifier's outbox.
    public func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
        try await read { db in
            try Row.fetchAll(db, sql: NotificationReads.openSQL(after: position, limit: limit)).map { NotificationReads.location($0) }
        }
    }

    /// The position of the newest `notification.queued` (0 for none): a cheap
    /// look (an index) that tells the notifier whether anything was queued.
    public func lastQueuedNotificationPosition() async throws(StoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: NotificationReads.lastQueuedSQL) ?? 0 }
    }

    /// Records the settings every process writing to this ledger must decide
    /// by (`ledger_settings`): `ledger serve` writes its configuration at start,
    /// so a cron `ledger watchdog --once` started without it decides the same
    /// way (queues the same notifications, applies the same late-completion
    /// policy), and the `stuck_jobs` view uses the configured thresholds.
    public func recordSettings(_ settings: [String: String]) async throws(StoreError) {
        try await write(keepsWriterState: true) { db in
            for (key, value) in settings {
                try db.execute(sql: "INSERT INTO ledger_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            }
        }
    }

    public func recordedSettings() async throws(StoreError) -> [String: String] {
        try await read { db in
            Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM ledger_settings").map { ($0["key"] as String, $0["value"] as String) },
                       uniquingKeysWith: { _, last in last })
        }
    }
}
