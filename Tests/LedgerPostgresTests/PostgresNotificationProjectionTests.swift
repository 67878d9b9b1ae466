import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// A PostgreSQL ledger from before `projection_notifications` (migration v8)
/// is filled from its log when the new version first opens it, with the rows
/// the appends keep.
@Suite struct PostgresNotificationProjectionTests {
    /// A new database with notifications of every stage and a late webhook,
    /// closed: its name, and what `rows` answered before it was closed.
    static func ledger(_ server: ThrowawayPostgres, rows: String) async throws -> (database: String, kept: String) {
        let database = try server.newDatabaseName()
        let store = try await PostgresEventStore.open(url: server.url(database: database))
        try await StoreConformance.notificationsOfEveryStage(store)
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d-late")))
        let kept = try server.psql(rows, database: database)
        await store.close()
        return (database, kept)
    }

    @Test func aLedgerFromBeforeTheProjectionIsFilledFromItsLogWhenFirstOpened() async throws {
        let server = try ThrowawayPostgres.shared()
        let rows = "SELECT * FROM projection_notifications ORDER BY notification_id; SELECT * FROM projection_notification_attempts ORDER BY position;"
            + " SELECT * FROM projection_late_webhooks ORDER BY position"
        let (database, kept) = try await Self.ledger(server, rows: rows)
        // The database as the release before the projection left it.
        try server.psql(Self.beforeLateWebhooks + """
            DROP FUNCTION ledger_write_projections(text, text);
            ALTER FUNCTION ledger_write_projections_v5(text, text) RENAME TO ledger_write_projections;
            DROP VIEW notifications;
            DELETE FROM ledger_migrations WHERE identifier = 'v13-notifications-view';
            DROP TABLE projection_notifications;
            DROP TABLE projection_notification_attempts, projection_refunds, projection_late_completions, projection_conflicts;
            CREATE INDEX events_queued_notifications ON events (position) WHERE type = 'notification.queued';
            CREATE INDEX events_attempted_notifications ON events (position) WHERE type = 'notification.attempted';
            DELETE FROM ledger_migrations WHERE identifier = 'v8-notifications';
            """, database: database)

        let store = try await PostgresEventStore.open(url: server.url(database: database))
        #expect(try server.psql(rows, database: database) == kept && kept.split(separator: "\n").count == 9, "\(kept)")
        #expect(try await store.openNotifications(after: 0, limit: 10).count == 2)
        #expect(try await store.rebuildCheck().matches)
        await store.close()
    }

    /// An application that shares the ledger's schema made its own `notifications`
    /// table before the upgrade that brings the ledger's view of that name: the
    /// upgrade names the clash and writes nothing (it failed with a bare 42P07),
    /// and the ledger opens once the name is free.
    @Test func anUpgradeWhoseNewViewsNameAnAppTookSaysSoAndWritesNothing() async throws {
        let server = try ThrowawayPostgres.shared()
        let (database, _) = try await Self.ledger(server, rows: "SELECT 1")
        try server.psql("""
            DROP VIEW notifications;
            DELETE FROM ledger_migrations WHERE identifier = 'v13-notifications-view';
            CREATE TABLE notifications (id bigint PRIMARY KEY, body text);
            """, database: database)
        var refusal = "opened"
        do {
            let opened = try await PostgresEventStore.open(url: server.url(database: database))
            await opened.close()
        } catch {
            refusal = "\(error)"
        }
        #expect(refusal.contains("already holds notifications"), "\(refusal)")
        #expect(try server.psql("SELECT count(*) FROM ledger_migrations WHERE identifier = 'v13-notifications-view'",
                                database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        try server.psql("ALTER TABLE notifications RENAME TO app_notifications", database: database)
        let store = try await PostgresEventStore.open(url: server.url(database: database))
        await store.close()
    }

    /// Undoes migrations v10 (it replaced v9's function in place) and v9:
    /// the database as the release before late webhooks were kept.
    static let beforeLateWebhooks = """
        DELETE FROM ledger_migrations WHERE identifier = 'v10-projections-parsed-once';
        DROP FUNCTION ledger_write_projections(text, text);
        ALTER FUNCTION ledger_write_projections_v8(text, text) RENAME TO ledger_write_projections;
        DROP TABLE projection_late_webhooks;
        DELETE FROM ledger_migrations WHERE identifier = 'v9-late-webhooks';

        """

    @Test func aLedgerFromBeforeLateWebhooksWereKeptGetsThemFromItsLog() async throws {
        let server = try ThrowawayPostgres.shared()
        let rows = "SELECT * FROM projection_late_webhooks ORDER BY position"
        let (database, kept) = try await Self.ledger(server, rows: rows)
        try server.psql(Self.beforeLateWebhooks, database: database)

        let store = try await PostgresEventStore.open(url: server.url(database: database))
        #expect(try server.psql(rows, database: database) == kept && kept.contains("j1"), "\(kept)")
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x1", .completed, delivery: "d-later")))
        #expect(try await store.table(.webhookLateness).records.first?.count("late_webhooks") == 2, "appends keep them again")
        #expect(try await store.rebuildCheck().matches)
        await store.close()
    }
}
