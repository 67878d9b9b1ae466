extension Decider {
    /// The outbox's rules: a notification is queued once (again only after a
    /// dead letter, by a re-drive); attempts are recorded only while it is
    /// open; a 2xx delivers it, a failure on the last attempt dead-letters it.
    static func notification(_ command: NotificationCommand, state: JobState) -> [LedgerEvent] {
        switch command {
        case .queue(let id, let event):
            if let existing = state.notifications[id], existing.stage != .deadLettered { return [] }
            return [.notificationQueued(NotificationStep(notificationID: id, event: event, attempt: 0))]
        case .attempted(let id, let httpStatus, let error, let lastAttempt):
            guard let progress = state.notifications[id], progress.stage == .open else { return [] }
            let step = NotificationStep(notificationID: id, event: progress.event, attempt: progress.attempts + 1,
                                        httpStatus: httpStatus, error: error)
            if let httpStatus, (200..<300).contains(httpStatus) {
                return [.notificationAttempted(step), .notificationDelivered(step)]
            }
            return [.notificationAttempted(step)] + (lastAttempt ? [.notificationDeadLettered(step)] : [])
        }
    }
}
