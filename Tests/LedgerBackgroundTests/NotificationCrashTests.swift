import LedgerBackground
import LedgerCore
import LedgerStore
import LedgerTesting
import Synchronization
import Testing

/// At least once, deduplicated by `webhook-id` (docs/guarantees.md): a
/// notifier that dies after the app answered 2xx, before
/// `notification.delivered` is stored, leaves the notification open, and
/// the next notifier sends it again under the same id.
@Suite struct NotificationCrashTests {
    /// The real store, except that recording the first 2xx attempt fails as a
    /// process that died at that instant would leave it: never stored.
    final class DiesBeforeRecordingDelivery: JobCommands, NotificationOutbox {
        let store: any JobCommands & NotificationOutbox
        private let died = Mutex(false)

        init(_ store: any JobCommands & NotificationOutbox) { self.store = store }

        func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
            if case .job(_, .notification(.attempted(_, let status?, _, _, _)), _) = request, (200..<300).contains(status),
               died.withLock({ dead in defer { dead = true }; return !dead }) {
                throw StoreError.unexpected("the process died before storing the delivery")
            }
            return try await store.execute(request)
        }

        func openNotifications(after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
            try await store.openNotifications(after: position, limit: limit)
        }
        func lastQueuedNotificationPosition() async throws(StoreError) -> Int64 { try await store.lastQueuedNotificationPosition() }
        func foldedJob(_ jobID: String) async throws(StoreError) -> JobState? { try await store.foldedJob(jobID) }
    }

    @Test func aNotifierThatDiesAfterTheAppsAnswerSendsTheSameWebhookIDAgain() async throws {
        try await Harness.run { h in
            _ = try await h.submitJobs(1)
            h.provider.finish("pred_0", succeeded: true)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            let dying = try #require(Notifier(store: DiesBeforeRecordingDelivery(h.store), settings: h.settings,
                                              outbound: h.outbound, clock: h.clock, logger: Harness.logger))
            await #expect(throws: StoreError.self) { _ = try await dying.runOnce() }
            #expect(h.app.accepted.count == 1, "the app took it")
            var delivered = try await h.store.events(inStream: "job-job_0").filter { $0.type == "notification.delivered" }
            #expect(delivered.isEmpty, "but the ledger never recorded it")

            // The next notifier (a restarted process) finds it open and sends it again.
            _ = try await h.notifier.runOnce()
            let ids = h.app.accepted.map(\.webhookID)
            #expect(ids.count == 2 && ids[0] == ids[1], "sent again under the same webhook-id: \(ids)")
            delivered = try await h.store.events(inStream: "job-job_0").filter { $0.type == "notification.delivered" }
            #expect(delivered.count == 1)
            _ = try await h.notifier.runOnce()
            #expect(h.app.accepted.count == 2, "and not a third time")
        }
    }

    /// FAULTS 2: the failure, its refund and its queued notification commit
    /// together; a process killed before its notifier ran leaves them queued,
    /// and the next process (a fresh notifier with nothing in memory) sends
    /// the notification once. Nothing refunds twice.
    @Test func aDecisionCommittedBeforeTheProcessDiedIsNotifiedOnceAfterTheRestart() async throws {
        try await Harness.run { h in
            _ = try await h.submitJobs(1)
            h.provider.finish("pred_0", succeeded: false)
            #expect(try await h.deliverWebhooks("pred_0").allSatisfy { $0 == .ok })
            let committed = try await h.events("job_0")
            #expect(committed.contains("job.failed") && committed.contains("credit.refunded") && committed.contains("notification.queued"))
            #expect(h.app.accepted.isEmpty, "the process died before sending")
            let queued = committed.filter { $0 == "notification.queued" }.count  // the failure's and the refund's

            let restarted = try #require(Notifier(store: h.store, settings: h.settings, outbound: h.outbound,
                                                  clock: h.clock, logger: Harness.logger))
            #expect(try await restarted.runOnce().delivered == queued)
            h.advance(minutes: 60)
            _ = try await restarted.runOnce()
            _ = try await h.notifier.runOnce()
            #expect(h.app.accepted.count == queued && Set(h.app.accepted.map(\.webhookID)).count == queued,
                    "each sent once after the restart, by either notifier")
            let after = try await h.events("job_0")
            #expect(after.filter { $0 == "credit.refunded" }.count == 1 && after.filter { $0 == "notification.delivered" }.count == queued)
            #expect(try await h.store.verify().isSound)
        }
    }
}
