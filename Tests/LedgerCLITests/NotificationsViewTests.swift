import Foundation
import LedgerCore
import LedgerStore
import LedgerTesting
import Testing

/// The `notifications` view, for auditors' own SQL: every notification the
/// ledger queued for the app, pending or settled, the same on both engines
/// (one SQL for both, ``SharedViews``), read as an auditor reads it.
@Suite struct NotificationsViewTests {
    @Test(arguments: ["sqlite", "postgres"])
    func theViewListsEveryNotificationWithItsStage(engine: String) async throws {
        let (_, store, auditorURL) = try await StuckJobsViewTests.ledger(on: engine)
        try await StoreConformance.notificationsOfEveryStage(store)
        await store.close()
        let viewed = try await LedgerBinary.run(["query", "--db", auditorURL, "--format", "json",
                                                 "SELECT notification_id, stage, attempts FROM notifications ORDER BY notification_id"])
        #expect(viewed.status == 0, "\(viewed.stderr)")
        guard case .array(let rows)? = JSONValue(jsonText: viewed.stdout) else { Issue.record("no rows: \(viewed.stdout)"); return }
        let listed = rows.map { row in
            "\(row["notification_id"]?.stringValue ?? "") \(row["stage"]?.stringValue ?? "") \(row["attempts"] == .int(1) ? "1" : "0")"
        }
        // The revived one was dead-lettered, then queued again by a re-drive: pending, no attempt since.
        #expect(listed == ["ntf_dead dead_lettered 1", "ntf_ok delivered 1", "ntf_open pending 1", "ntf_revived pending 0"],
                "\(listed)")
    }
}
