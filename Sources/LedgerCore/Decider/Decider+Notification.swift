extension Decider {
    /// The event types the app is told about: each terminal change, so a job
    /// cancelled at no cost (no refund to tell) is still heard of.
    public static let notifiedTypes: Set<EventType> = [.jobCompleted, .jobFailed, .jobCancelled, .creditRefunded, .jobLateCompletion]

    /// What the app is told, with `LEDGER_NOTIFY_EVENTS=all`, when a provider
    /// first reports it is processing the job: the report is its source event.
    public static let startedNotification = "job.started"
    /// What the app is told of each later processing webhook (a progress report).
    public static let progressNotification = "job.progress"

    /// The notification about the event stored at `position`, of a fact
    /// (a decision's events) whose ``DecisionContext/historyTag`` is
    /// `historyTag`: `ntf_<position>_<its first 8 hex digits>`. Stable, so
    /// a retry, a restart or a re-drive sends the same `webhook-id` (it is
    /// stored in the `notification.queued` event); and naming the history,
    /// so a log restored from a backup, whose later positions hold other
    /// events, gives the app no id it has seen for another fact
    /// (`ntf_<position>` alone did: an app keeping ids dropped a refund as a
    /// duplicate of another job's completion).
    public static func notificationID(sourcePosition: Int64, historyTag: String = "") -> String {
        let tag = historyTag.prefix(historyDigitCount)
        return notificationIDPrefix + String(sourcePosition) + (tag.count == historyDigitCount ? "_" + tag : "")
    }

    /// The position a notification id names (``notificationID(sourcePosition:historyTag:)``'s
    /// inverse; the ids of earlier versions have no hash digits), or nil.
    public static func sourcePosition(ofNotification id: String) -> Int64? {
        guard id.hasPrefix(notificationIDPrefix) else { return nil }
        let parts = id.dropFirst(notificationIDPrefix.count).split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 1 || (parts.count == 2 && parts[1].count == historyDigitCount
                                   && parts[1].allSatisfy { $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return Int64(parts[0])
    }

    private static let notificationIDPrefix = "ntf_"
    private static let historyDigitCount = 8

    /// `events` and, after them, a `notification.queued` for each that the app
    /// is told about: the outbox written in the same transaction as the
    /// change, so no change is committed without its notification. The
    /// events are stored from `factPosition` on, in order.
    static func withOutbox(_ events: [LedgerEvent], state: JobState, context: DecisionContext) -> [LedgerEvent] {
        var result = events
        if context.notifyEvents == .all, let first = events.first, let told = startOrProgress(first, state: state) {
            let id = notificationID(sourcePosition: context.factPosition, historyTag: context.historyTag)
            result.append(.notificationQueued(NotificationStep(notificationID: id, event: told, attempt: 0)))
        }
        for (offset, event) in events.enumerated() where notifiedTypes.contains(event.type) {
            // One tag for each of the fact's events: one decision's events are one fact.
            let id = notificationID(sourcePosition: context.factPosition + Int64(offset), historyTag: context.historyTag)
            result.append(.notificationQueued(NotificationStep(notificationID: id, event: event.type.rawValue, attempt: 0)))
        }
        return result
    }

    /// `job.started` for the first report that the provider is processing an
    /// open job (a webhook or a poll), `job.progress` for each later
    /// processing webhook; nil for anything else (duplicates included).
    static func startOrProgress(_ fact: LedgerEvent, state: JobState) -> String? {
        guard !state.status.isTerminal else { return nil }
        switch fact {
        case .webhookReceived(let webhook) where !webhook.duplicate && webhook.reportedStatus == .processing:
            return state.startReported ? progressNotification : startedNotification
        case .pollResult(let poll) where poll.transportError == nil && poll.reportedStatus == .processing:
            return state.startReported ? nil : startedNotification
        default:
            return nil
        }
    }

    /// The outbox's rules: a notification is queued once (again only after a
    /// dead letter, by a re-drive); attempts are recorded only while it is
    /// open; a 2xx delivers it, a failure on the schedule's last attempt dead-letters it.
    static func notification(_ command: NotificationCommand, state: JobState) -> [LedgerEvent] {
        switch command {
        case .queue(let id, let event):
            if let existing = state.notifications[id], existing.stage != .deadLettered { return [] }
            return [.notificationQueued(NotificationStep(notificationID: id, event: event, attempt: 0))]
        case .attempted(let id, let httpStatus, let error, let attemptsMax, let latency):
            guard let progress = state.notifications[id], progress.stage == .open else { return [] }
            let step = NotificationStep(notificationID: id, event: progress.event, attempt: progress.attempts + 1,
                                        httpStatus: httpStatus, error: error)
            var attempt = step
            attempt.latencyMilliseconds = latency
            if let httpStatus, (200..<300).contains(httpStatus) {
                return [.notificationAttempted(attempt), .notificationDelivered(step)]
            }
            let wasTheLast = step.attempt >= attemptsMax
            return [.notificationAttempted(attempt)] + (wasTheLast ? [.notificationDeadLettered(step)] : [])
        }
    }
}
