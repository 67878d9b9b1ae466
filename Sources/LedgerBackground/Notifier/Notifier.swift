import Foundation
import LedgerCore
import LedgerProviders
import LedgerStore
import Logging
import Synchronization

/// What one notifier round did.
public struct NotifyRound: Sendable, Hashable {
    public var attempted = 0
    public var delivered = 0
    public var deadLettered = 0
}

/// Tells the app what it is told of (``Decider/notifiedTypes``, the terminal
/// changes: `job.completed`, `job.failed`, `job.cancelled`, `credit.refunded`,
/// `job.late_completion`; with `LEDGER_NOTIFY_EVENTS=all` also `job.started` and
/// `job.progress`), delivered to
/// `LEDGER_NOTIFY_URL`, signed with Standard Webhooks headers whose
/// `webhook-id` (the notification id) stays the same across retries, so the
/// app can deduplicate. The outbox is the log itself: each notification is
/// queued, attempted, delivered or dead-lettered as events on its job's
/// stream, the `queued` one by the decider in the same transaction as the
/// change; nothing waits in memory that a crash could lose. Only a 2xx is a
/// delivery; a `Retry-After` is honoured up to a cap.
public final class Notifier: Sendable {
    /// Only what it uses of the engine.
    let store: any JobCommands & NotificationOutbox
    let outbound: OutboundClient
    let url: String
    let signer: StandardWebhookVerifier
    let schedule: RetrySchedule
    let retryAfterMaxMilliseconds: Int64
    let clock: any LedgerClock
    let logger: Logger

    private struct State {
        /// `notification.queued` events up to here belong to closed notifications.
        var openFloor: Int64 = 0
        /// Not before these instants, by notification id (`Retry-After`).
        var notBefore: [String: Timestamp] = [:]
        /// The newest `notification.queued` seen by the last scan, and the
        /// earliest instant an open notification falls due: until one of the
        /// two moves, a round has nothing to do and skips the scan (an app
        /// down for hours must not turn the notifier into a busy loop).
        var lastQueuedSeen: Int64 = -1
        var nextDue: Timestamp?
        /// Attempts made whose record the database refused (full, down), with
        /// the notification's attempt count then: the next round records them
        /// instead of sending again (an app answered 200 was sent the same
        /// notification every second of a full disk), unless the count moved
        /// (the record had committed, and only its answer was lost).
        var unrecorded: [String: (command: NotificationCommand, attemptsBefore: Int)] = [:]
    }
    private let state = Mutex(State())
    /// Once requested, a round sends nothing more.
    let shutdown: ShutdownSignal

    public init?(store: any JobCommands & NotificationOutbox, settings: BackgroundSettings, outbound: OutboundClient, clock: any LedgerClock,
                 logger: Logger, shutdown: ShutdownSignal = ShutdownSignal()) {
        self.shutdown = shutdown
        guard let url = settings.notifyURL, let secret = settings.notifySecret,
              let signer = try? StandardWebhookVerifier(secret: secret) else { return nil }
        self.store = store
        self.outbound = outbound
        self.url = url
        self.signer = signer
        schedule = settings.notifySchedule
        retryAfterMaxMilliseconds = settings.retryAfterMaxMilliseconds
        self.clock = clock
        self.logger = logger
    }

    public func runOnce() async throws(StoreError) -> NotifyRound {
        var round = NotifyRound()
        try await deliverDue(&round)
        return round
    }

    /// Attempts every open notification whose next attempt is due.
    private func deliverDue(_ round: inout NotifyRound) async throws(StoreError) {
        let newest = try await store.lastQueuedNotificationPosition()
        let now = clock.now
        let idle = state.withLock { state in
            newest <= state.lastQueuedSeen && state.nextDue.map { now < $0 } ?? false
        }
        if idle { return }
        let floor = state.withLock { $0.openFloor }
        var streams: [String: Int64] = [:]
        var after = floor
        while true {
            let open = try await store.openNotifications(after: after, limit: 1000)
            guard let last = open.last else { break }
            for event in open where streams[event.stream] == nil { streams[event.stream] = event.position }
            after = last.position
        }
        let lastSeen = after
        var stillOpen: [Int64] = []
        var nextDue: Timestamp?
        let attemptsBefore = round.attempted
        for (stream, firstQueued) in streams.sorted(by: { $0.value < $1.value }) {
            guard let jobID = StreamName.jobID(of: stream), let job = try await store.foldedJob(jobID) else { continue }
            var open = false
            // In the order of the events they tell about (ntf_999 before ntf_1000).
            for progress in job.notifications.values.sorted(by: { $0.queuedAt == $1.queuedAt ? Self.position($0) < Self.position($1) : $0.queuedAt < $1.queuedAt })
                where progress.stage == .open {
                open = true
                guard isDue(progress) else {
                    nextDue = [nextDue, dueTime(progress)].compactMap { $0 }.min()
                    continue
                }
                // Stopping: no new send; what is left stays open for the next node, and the
                // floor is not moved past it (the streams not reached are not in `stillOpen`).
                if shutdown.isRequested { return }
                try await attempt(progress, job: job, round: &round)
            }
            if open { stillOpen.append(firstQueued) }
        }
        let newFloor = stillOpen.min().map { $0 - 1 } ?? lastSeen
        let attempted = round.attempted > attemptsBefore
        state.withLock { state in
            state.openFloor = max(state.openFloor, newFloor)
            state.lastQueuedSeen = newest
            // After attempts, look again next round (their next instants are not known yet);
            // with nothing open, wait for something new to be queued.
            state.nextDue = attempted ? nil : (nextDue ?? Timestamp(millisecondsSinceEpoch: .max))
        }
    }

    static func position(_ progress: NotificationProgress) -> Int64 {
        Decider.sourcePosition(ofNotification: progress.notificationID) ?? 0
    }

    private func isDue(_ progress: NotificationProgress) -> Bool {
        clock.now >= dueTime(progress)
    }

    /// When `progress` may next be attempted: after the schedule's delay since
    /// its last attempt, and not before an app's `Retry-After`.
    private func dueTime(_ progress: NotificationProgress) -> Timestamp {
        var due = progress.queuedAt
        if let last = progress.lastAttemptAt, let delay = schedule.delayMilliseconds(afterAttempt: progress.attempts) {
            due = last.adding(milliseconds: delay)
        }
        if let notBefore = state.withLock({ $0.notBefore[progress.notificationID] }), notBefore > due { due = notBefore }
        return due
    }

    private func attempt(_ progress: NotificationProgress, job: JobState, round: inout NotifyRound) async throws(StoreError) {
        if let made = state.withLock({ $0.unrecorded[progress.notificationID] }) {
            guard progress.attempts > made.attemptsBefore else {
                try await record(made.command, progress, job: job, round: &round)
                return
            }
            state.withLock { _ = $0.unrecorded.removeValue(forKey: progress.notificationID) }
        }
        let now = clock.now
        let body = NotificationBody(type: progress.event, timestamp: now.iso8601,
                                    data: .init(notificationID: progress.notificationID, event: progress.event, job: JobSnapshot(job)))
            .encoded()
        let timestamp = String(now.millisecondsSinceEpoch / 1000)
        let signature = signer.signatureHeader(id: progress.notificationID, timestamp: timestamp, body: body) ?? ""
        let request = OutboundRequest(method: .POST, url: url, headers: [
            ("content-type", "application/json"), ("webhook-id", progress.notificationID),
            ("webhook-timestamp", timestamp), ("webhook-signature", signature),
        ], body: body)
        var httpStatus: Int?
        var error: String?
        var latency: Int?
        do {
            let response = try await outbound.send(request)
            httpStatus = response.status
            latency = Int(response.latencyMilliseconds)
            if !(200..<300).contains(response.status) {
                error = "the app answered \(response.status)"
                if let seconds = response.headers["retry-after"].flatMap(Int64.init) {
                    // Capped before it is multiplied: a hostile Retry-After must not overflow.
                    let pause = min(max(seconds, 0), retryAfterMaxMilliseconds / 1000) * 1000
                    state.withLock { $0.notBefore[progress.notificationID] = now.adding(milliseconds: pause) }
                }
            }
        } catch let failure {
            // Shutdown cut the request short: that is no attempt the app failed.
            if Task.isCancelled { return }
            error = failure.description
        }
        let command = NotificationCommand.attempted(notificationID: progress.notificationID, httpStatus: httpStatus,
                                                    error: error, attemptsMax: schedule.attemptsMax, latencyMilliseconds: latency)
        try await record(command, progress, job: job, round: &round)
    }

    /// Records an attempt made; kept to be recorded next round when the database refuses it.
    private func record(_ command: NotificationCommand, _ progress: NotificationProgress, job: JobState,
                        round: inout NotifyRound) async throws(StoreError) {
        let outcome: LedgerOutcome
        do {
            outcome = try await store.execute(.job(jobID: job.jobID, command: .notification(command),
                                                   metadata: EventMetadata(actor: "notifier", source: "notifier")))
        } catch {
            // A storage failure keeps the attempt; a decision that refuses it will refuse it again.
            if case .refused = error {
                state.withLock { _ = $0.unrecorded.removeValue(forKey: progress.notificationID) }
            } else {
                state.withLock { $0.unrecorded[progress.notificationID] = (command, progress.attempts) }
            }
            throw error
        }
        state.withLock { _ = $0.unrecorded.removeValue(forKey: progress.notificationID) }
        round.attempted += 1
        let types = outcome.appended.map(\.type)
        if types.contains(.notificationDelivered) || types.contains(.notificationDeadLettered) {
            state.withLock { _ = $0.notBefore.removeValue(forKey: progress.notificationID) }
        }
        if types.contains(.notificationDelivered) { round.delivered += 1 }
        if types.contains(.notificationDeadLettered) {
            round.deadLettered += 1
            logger.warning("notification dead-lettered", metadata: ["job_id": .string(job.jobID),
                                                                   "notification_id": .string(progress.notificationID)])
        }
    }
}

/// What the app receives: `{type, timestamp, data: {notification_id, event, job}}`,
/// the job as the API shows it; encoded once, with sorted keys.
struct NotificationBody: Encodable {
    struct Payload: Encodable {
        var notificationID: String
        var event: String
        var job: JobSnapshot

        enum CodingKeys: String, CodingKey { case notificationID = "notification_id", event, job }
    }

    var type: String
    var timestamp: String
    var data: Payload

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { preconditionFailure("a notification body always encodes") }
        return data
    }
}
