import LedgerCore

/// What one recorded event changes in the projection tables besides its
/// job's row, the same on every engine (each writes them in its own SQL).
public enum ProjectionChange: Sendable, Hashable {
    /// Counts added to an account's balance and a provider's health.
    case add(Contribution)
    /// A webhook kept in `orphans-<provider>`.
    case insertOrphan(WebhookReceived, RecordedEvent)
    /// The orphan at `orphanPosition` adopted by `jobID` at `position`.
    case markAdopted(orphanPosition: Int64, jobID: String, position: Int64)
    /// A notification's row after the event (``NotificationRow``).
    case notification(NotificationRow)
    /// A delivery attempt (``AttemptRow``).
    case attempt(AttemptRow)
    /// The outcome of an attempt, settled by the event after it.
    case settleAttempt(AttemptRow.Settlement)
    /// A refund (``RefundRow``).
    case refund(RefundRow)
    /// A late completion (``LateCompletionRow``).
    case lateCompletion(LateCompletionRow)
    /// A report contradicting its job's outcome (``ConflictRow``).
    case conflict(ConflictRow)

    /// The changes `recorded` makes; `jobBefore` is its job's state before it
    /// (nil for an event outside a job stream).
    public static func of(_ recorded: RecordedEvent, jobBefore before: JobState?) -> [ProjectionChange] {
        if let before {
            var changes: [ProjectionChange] = [.add(Contribution.of(recorded, jobBefore: before))]
            if let conflict = ConflictRow.of(recorded, jobBefore: before) { changes.append(.conflict(conflict)) }
            if case .webhookReceived(let webhook) = recorded.event, let orphan = webhook.adoptedFrom {
                changes.append(.markAdopted(orphanPosition: orphan, jobID: before.jobID, position: recorded.position))
            }
            if let step = recorded.event.notificationStep,
               let row = NotificationRow.after(recorded, jobID: before.jobID, before: before.notifications[step.notificationID]) {
                changes.append(.notification(row))
            }
            if let attempt = AttemptRow.of(recorded, jobID: before.jobID) { changes.append(.attempt(attempt)) }
            if let settlement = AttemptRow.settlement(by: recorded) { changes.append(.settleAttempt(settlement)) }
            if let refund = RefundRow.of(recorded, jobBefore: before) { changes.append(.refund(refund)) }
            if let late = LateCompletionRow.of(recorded, jobID: before.jobID) { changes.append(.lateCompletion(late)) }
            return changes
        }
        guard let provider = StreamName.orphanProvider(of: recorded.stream) else { return [] }
        var changes: [ProjectionChange] = [.add(Contribution.ofOrphan(recorded, provider: provider))]
        if case .webhookReceived(let webhook) = recorded.event { changes.append(.insertOrphan(webhook, recorded)) }
        return changes
    }
}
