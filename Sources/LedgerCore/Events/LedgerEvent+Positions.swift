extension LedgerEvent {
    /// Whether the event's data names a position of the log: a decision's
    /// evidence, a notification's id, an adopted orphan's origin, a retention
    /// run's range. Such an event's bytes depend on where it is stored, so a
    /// batch holding one cannot be moved to other positions after it was
    /// decided (a writer that met a moved head decides it again instead).
    public var mentionsPositions: Bool {
        switch self {
        case .jobRegistered, .jobSubmitted, .pollResult, .watchdogDecision, .operatorAction: false
        case .webhookReceived(let webhook): webhook.adoptedFrom != nil
        case .jobCompleted, .jobFailed, .jobCancelled, .creditRefunded, .jobLateCompletion, .creditRecharged,
             .notificationQueued, .notificationAttempted, .notificationDelivered, .notificationDeadLettered,
             .retentionApplied: true
        }
    }
}
