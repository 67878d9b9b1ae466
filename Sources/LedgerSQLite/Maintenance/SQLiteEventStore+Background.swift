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

    /// `notification.queued` events after `position` whose notification is
    /// still open (no later delivered or dead-lettered event for its id in its
    /// stream), in log order: the outbox, read from the log. Each probe walks
    /// one job's stream, so a round costs one index probe per queued event
    /// after `position`.
    public func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT q.position, q.stream, q.type, q.recorded_at FROM events q
                WHERE q.type = 'notification.queued' AND q.position > ?
                  AND NOT EXISTS (
                    SELECT 1 FROM events d
                    WHERE d.stream = q.stream AND d.version > q.version
                      AND d.type IN ('notification.delivered', 'notification.dead_lettered', 'notification.queued')
                      AND json_extract(d.data, '$.notification_id') = json_extract(q.data, '$.notification_id'))
                ORDER BY q.position LIMIT ?
                """, arguments: [position, limit]).map { row in
                EventLocation(position: row["position"], stream: row["stream"], type: row["type"],
                              recordedAt: Timestamp(iso8601: row["recorded_at"]) ?? Timestamp(millisecondsSinceEpoch: 0))
            }
        }
    }

    /// The position of the newest `notification.queued` (0 for none): a cheap
    /// look (partial index) that tells the notifier whether anything was queued.
    public func lastQueuedNotificationPosition() async throws(StoreError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events WHERE type = 'notification.queued'") ?? 0
        }
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
            Dictionary(try Row.fetchAll(db, sql: "SELECT key, value FROM ledger_settings").map { ($0[0] as String, $0[1] as String) },
                       uniquingKeysWith: { _, last in last })
        }
    }
}
