/// A fact or decision of the ledger, version 1.
///
/// The case decides the stored `type`; its payload is the `data` column.
public enum LedgerEvent: Sendable, Hashable {
    case jobRegistered(JobRegistered)
    case jobSubmitted(JobSubmitted)
    case webhookReceived(WebhookReceived)
    case pollResult(PollResult)
    case watchdogDecision(WatchdogDecision)
    case jobCompleted(JobCompleted)
    case jobFailed(JobFailed)
    case jobCancelled(JobCancelled)
    case creditRefunded(CreditRefunded)
    case jobLateCompletion(JobLateCompletion)
    case creditRecharged(CreditRecharged)
    case notificationQueued(NotificationStep)
    case notificationAttempted(NotificationStep)
    case notificationDelivered(NotificationStep)
    case notificationDeadLettered(NotificationStep)
    case operatorAction(OperatorAction)
    case retentionApplied(RetentionApplied)

    public var type: EventType {
        switch self {
        case .jobRegistered: .jobRegistered
        case .jobSubmitted: .jobSubmitted
        case .webhookReceived: .webhookReceived
        case .pollResult: .pollResult
        case .watchdogDecision: .watchdogDecision
        case .jobCompleted: .jobCompleted
        case .jobFailed: .jobFailed
        case .jobCancelled: .jobCancelled
        case .creditRefunded: .creditRefunded
        case .jobLateCompletion: .jobLateCompletion
        case .creditRecharged: .creditRecharged
        case .notificationQueued: .notificationQueued
        case .notificationAttempted: .notificationAttempted
        case .notificationDelivered: .notificationDelivered
        case .notificationDeadLettered: .notificationDeadLettered
        case .operatorAction: .operatorAction
        case .retentionApplied: .retentionApplied
        }
    }
}
