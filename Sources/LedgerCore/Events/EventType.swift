/// The stored `type` of every event, written out once, never derived from a
/// Swift type name, so that renaming code can never change the log.
public enum EventType: String, Sendable, CaseIterable, Codable {
    case jobRegistered = "job.registered"
    case jobSubmitted = "job.submitted"
    case webhookReceived = "webhook.received"
    case pollResult = "poll.result"
    case watchdogDecision = "watchdog.decision"
    case jobCompleted = "job.completed"
    case jobFailed = "job.failed"
    case jobCancelled = "job.cancelled"
    case creditRefunded = "credit.refunded"
    case jobLateCompletion = "job.late_completion"
    case creditRecharged = "credit.recharged"
    case notificationQueued = "notification.queued"
    case notificationAttempted = "notification.attempted"
    case notificationDelivered = "notification.delivered"
    case notificationDeadLettered = "notification.dead_lettered"
    case operatorAction = "operator.action"
    case retentionApplied = "retention.applied"

    /// The schema version today's code writes. Older versions are upcast on
    /// read (see ``Upcaster``); a bump needs a new schema, a golden example
    /// and an upcasting step.
    public var currentSchemaVersion: Int {
        switch self {
        // webhook.received 2: `matched_by` added (optional); version 1 data reads as version 2.
        case .webhookReceived: 2
        // notification.attempted 2: `latency_ms` added (optional); version 1 data reads as version 2.
        case .notificationAttempted: 2
        case .jobRegistered, .jobSubmitted, .pollResult, .watchdogDecision,
             .jobCompleted, .jobFailed, .jobCancelled, .creditRefunded, .jobLateCompletion,
             .creditRecharged, .notificationQueued,
             .notificationDelivered, .notificationDeadLettered, .operatorAction, .retentionApplied:
            1
        }
    }
}

extension EventType {
    private static let byUTF8 = WordTable<EventType>()

    /// The type whose stored name is `bytes`, without making a String of them
    /// (rebuild reads a million of these).
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard let type = Self.byUTF8.word(bytes) else { return nil }
        self = type
    }
}
