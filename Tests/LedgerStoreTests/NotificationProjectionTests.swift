import Foundation
import GRDB
import LedgerCore
@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `projection_notifications`: kept by every append as the fold keeps a
/// notification's progress, and filled from the log when a ledger from
/// before it is first opened.
@Suite struct NotificationProjectionTests {
    static func rows(_ path: String) throws -> [[String?]] {
        let query = ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000)
        return try query.run("SELECT * FROM projection_notifications ORDER BY notification_id").rows
            + query.run("SELECT * FROM projection_notification_attempts ORDER BY position").rows
            + query.run("SELECT * FROM projection_late_webhooks ORDER BY position").rows
    }

    /// A log restored from a backup holds other events at the positions
    /// after its end: their notifications get ids the app has not seen (with
    /// `ntf_<position>` alone, an app keeping ids dropped one job's refund as
    /// a duplicate of another job's completion). The first fact after the
    /// backup's end follows the same event in both histories: the id's tag
    /// is of the hash before it and the decision's time.
    @Test func aRestoredLogsNotificationsTakeNoIdTheAppHasSeen() async throws {
        var options = StoreOptions()
        options.notificationsEnabled = true
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: options)
        for job in ["j1", "j2"] { _ = try await store.execute(Fixtures.register(job, cost: 5, externalID: "x-\(job)")) }
        await store.close()
        let backup = path + ".backup.sqlite"
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: backup + suffix)
        }
        func notified(_ path: String, failing job: String) async throws -> [String] {
            let store = try SQLiteEventStore(path: path, options: options)
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-\(job)", .failed, delivery: "d-\(job)")))
            let events = try await store.events(after: 2, limit: 100)
            await store.close()
            return try events.compactMap { event in
                guard case .notificationQueued(let step) = try event.decoded().event else { return nil }
                #expect(step.notificationID.wholeMatch(of: /ntf_[0-9]+_[0-9a-f]{8}/) != nil, "\(step.notificationID)")
                return step.notificationID
            }
        }
        let lost = try await notified(path, failing: "j2")
        try await Task.sleep(for: .milliseconds(5))
        let restored = try await notified(backup, failing: "j1")
        #expect(lost.count == 2 && restored.count == 2 && Set(lost).isDisjoint(with: restored), "\(lost) \(restored)")
    }

    @Test func eachNotificationsRowIsItsFoldedProgress() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        try await StoreConformance.notificationsOfEveryStage(store)
        let folded = try #require(try await store.foldedJob("j1")).notifications
        let table = try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000)
            .run("SELECT notification_id, stage, attempts, queued_at, last_attempt_at, settled_at FROM projection_notifications")
        #expect(table.rows.count == folded.count && folded.count == 4)
        for record in table.records {
            let progress = try #require(folded[record["notification_id"] ?? ""])
            #expect(record["stage"] == progress.stage.rawValue && record.count("attempts") == progress.attempts)
            #expect(record["queued_at"] == progress.queuedAt.iso8601 && record["last_attempt_at"] == progress.lastAttemptAt?.iso8601)
            #expect(record["settled_at"] == progress.settledAt?.iso8601)
        }
        let open = try await store.openNotifications(after: 0, limit: 10)
        #expect(Set(open.map(\.stream)) == ["job-j1"] && open.count == 2, "the revived and the open one: \(open)")
        let deliveries = try await store.table(.page(ListPage(.deliveries(DeliveryFilter()), after: nil, limit: 10)))
        let outcomes = deliveries.records.map { "\($0["notification_id"] ?? "") \($0["outcome"] ?? "")" }
        #expect(outcomes == ["ntf_open failing", "ntf_revived dead-lettered", "ntf_dead dead-lettered", "ntf_ok delivered"],
                "each attempt with the outcome its decision gave it, newest first: \(outcomes)")
        let dead = try await store.table(.deadLetters(limit: 10))
        #expect(dead.records.map { $0["notification_id"] } == ["ntf_dead"])
        #expect(try await store.rebuildCheck().matches)
        await store.close()
    }

    /// A ledger with notifications of every stage, closed, then `change`d
    /// behind the ledger's back: its path, and the rows its appends had kept.
    static func ledger(changed change: @escaping @Sendable (Database) throws -> Void) async throws -> (path: String, kept: [[String?]]) {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        try await StoreConformance.notificationsOfEveryStage(store)
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d-late")))
        let kept = try Self.rows(path)
        await store.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write(change)
        try queue.close()
        return (path, kept)
    }

    @Test func aLedgerFromBeforeTheProjectionIsFilledFromItsLogWhenFirstOpened() async throws {
        // The file as the release before the projection left it.
        let (path, kept) = try await Self.ledger { db in
            for table in ["projection_notifications", "projection_notification_attempts", "projection_refunds",
                          "projection_late_completions", "projection_conflicts", "projection_rebuild_pending",
                          "projection_late_webhooks"] {
                try db.execute(sql: "DROP TABLE \(table)")
            }
            try db.execute(sql: "CREATE INDEX events_queued_notifications ON events (position) WHERE type = 'notification.queued'")
            try db.execute(sql: "CREATE INDEX events_attempted_notifications ON events (position) WHERE type = 'notification.attempted'")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v9-notifications', 'v10-late-webhooks')")
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try Self.rows(path) == kept && kept.count == 9, "the rows the appends kept, from the log alone")
        #expect(try await store.openNotifications(after: 0, limit: 10).count == 2)
        #expect(try await store.rebuildCheck().matches)
        let pending = try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000).run("SELECT * FROM projection_rebuild_pending").rows
        #expect(pending.isEmpty, "the rebuild's request is gone with it")
        await store.close()
    }

    @Test func aLedgerFromBeforeLateWebhooksWereKeptGetsThemFromItsLog() async throws {
        let (path, kept) = try await Self.ledger { db in
            try db.execute(sql: "DROP TABLE projection_late_webhooks")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v10-late-webhooks'")
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try Self.rows(path) == kept && kept.count == 9 && kept.last?.count == LateWebhookRow.columns.count,
                "the late webhook, from the log: \(kept)")
        #expect(try await store.table(.webhookLateness).records.first?.count("late_webhooks") == 1)
        #expect(try await store.rebuildCheck().matches)
        await store.close()
    }

    /// An auditor made their own `notifications` view in the file before the
    /// upgrade that brings the ledger's view of that name: the upgrade names
    /// the clash and writes nothing (it said "the database cannot store right
    /// now (... already exists); retry later", which no retry mends), and the
    /// ledger opens once the name is free.
    @Test func anUpgradeWhoseNewViewsNameAnAuditorTookSaysSoAndWritesNothing() async throws {
        let (path, _) = try await Self.ledger { db in
            try db.execute(sql: "DROP VIEW notifications")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v11-notifications-view'")
            try db.execute(sql: "CREATE VIEW Notifications AS SELECT job_id FROM projection_jobs")  // SQLite: one name in any case
        }
        #expect(throws: StoreError.foreignObjects(location: path, names: ["notifications"])) { try SQLiteEventStore(path: path) }
        let applied = try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000)
            .run("SELECT identifier FROM grdb_migrations WHERE identifier = 'v11-notifications-view'").rows
        #expect(applied.isEmpty, "nothing migrated")
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try db.execute(sql: "DROP VIEW notifications") }
        try queue.close()
        let store = try SQLiteEventStore(path: path)
        await store.close()
    }

    /// A rebuild the migration asked for that did not commit (a kill, a full
    /// disk) is asked for still: the next open does it.
    @Test func aRequestedRebuildThatDidNotHappenIsDoneByTheNextOpen() async throws {
        let (path, kept) = try await Self.ledger { db in
            try db.execute(sql: "DELETE FROM projection_notifications")
            try db.execute(sql: "INSERT INTO projection_rebuild_pending (migration) VALUES ('v9-notifications')")
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try Self.rows(path) == kept)
        await store.close()
    }
}
