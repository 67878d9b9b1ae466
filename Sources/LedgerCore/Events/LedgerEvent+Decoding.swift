extension LedgerEvent {
    /// The event of `type` from its parsed `data` object, at today's schema version.
    init(type: EventType, data: JSONValue) throws(EventDecodingError) {
        let fields = try PayloadFields(data, type: type)
        switch type {
        case .jobRegistered: self = .jobRegistered(try JobRegistered(fields))
        case .jobSubmitted: self = .jobSubmitted(JobSubmitted(externalID: try fields.string("external_id")))
        case .webhookReceived: self = .webhookReceived(try WebhookReceived(fields))
        case .pollResult: self = .pollResult(try PollResult(fields))
        case .watchdogDecision:
            self = .watchdogDecision(WatchdogDecision(
                decision: try fields.word("decision", as: WatchdogVerdict.self), reason: try fields.string("reason"),
                ageSeconds: try fields.int64("age_s"), thresholdSeconds: try fields.int64("threshold_s")))
        case .jobCompleted:
            self = .jobCompleted(JobCompleted(source: try fields.word("source", as: EvidenceSource.self),
                                              outputs: try fields.value("outputs"),
                                              evidencePosition: try fields.int64("evidence_position")))
        case .jobFailed:
            self = .jobFailed(JobFailed(source: try fields.word("source", as: EvidenceSource.self),
                                        reason: try fields.string("reason"), evidencePosition: try fields.int64("evidence_position")))
        case .jobCancelled:
            self = .jobCancelled(JobCancelled(source: try fields.word("source", as: EvidenceSource.self),
                                              reason: try fields.string("reason"),
                                              evidencePosition: try fields.int64("evidence_position")))
        case .creditRefunded:
            self = .creditRefunded(CreditRefunded(account: try fields.string("account"), amount: try fields.int64("amount"),
                                                  evidencePosition: try fields.int64("evidence_position")))
        case .jobLateCompletion:
            self = .jobLateCompletion(JobLateCompletion(
                source: try fields.word("source", as: EvidenceSource.self), outputs: try fields.value("outputs"),
                policy: try fields.word("policy", as: LateCompletionPolicy.self),
                evidencePosition: try fields.int64("evidence_position")))
        case .creditRecharged:
            self = .creditRecharged(CreditRecharged(account: try fields.string("account"), amount: try fields.int64("amount"),
                                                    evidencePosition: try fields.int64("evidence_position")))
        case .notificationQueued: self = .notificationQueued(try NotificationStep(fields))
        case .notificationAttempted: self = .notificationAttempted(try NotificationStep(fields))
        case .notificationDelivered: self = .notificationDelivered(try NotificationStep(fields))
        case .notificationDeadLettered: self = .notificationDeadLettered(try NotificationStep(fields))
        case .operatorAction:
            self = .operatorAction(OperatorAction(operatorName: try fields.string("operator"),
                                                  action: try fields.string("action"), reason: try fields.string("reason")))
        }
    }
}

extension JobRegistered {
    init(_ fields: PayloadFields) throws(EventDecodingError) {
        self.init(jobID: try fields.string("job_id"), account: try fields.string("account"),
                  provider: try fields.string("provider"), operation: try fields.string("operation"),
                  cost: try fields.int64("cost"), externalID: try fields.optionalString("external_id"),
                  metadata: try fields.value("metadata"))
    }
}

extension WebhookReceived {
    init(_ fields: PayloadFields) throws(EventDecodingError) {
        self.init(deliveryID: try fields.string("delivery_id"), provider: try fields.string("provider"),
                  externalID: try fields.string("external_id"),
                  reportedStatus: try fields.word("reported_status", as: ReportedStatus.self),
                  rawStatus: try fields.string("raw_status"), outputs: try fields.value("outputs"),
                  error: try fields.optionalString("error"), bodySHA256: try fields.string("body_sha256"),
                  body: try fields.string("body"), duplicate: try fields.bool("duplicate"),
                  adoptedFrom: try fields.optionalInt64("adopted_from"))
    }
}

extension PollResult {
    init(_ fields: PayloadFields) throws(EventDecodingError) {
        self.init(attempt: try fields.int("attempt"), reportedStatus: try fields.word("reported_status", as: ReportedStatus.self),
                  rawStatus: try fields.string("raw_status"), outputs: try fields.value("outputs"),
                  error: try fields.optionalString("error"), httpStatus: try fields.optionalInt("http_status"),
                  transportError: try fields.optionalString("transport_error"),
                  latencyMilliseconds: try fields.int64("latency_ms"))
    }
}

extension NotificationStep {
    init(_ fields: PayloadFields) throws(EventDecodingError) {
        self.init(notificationID: try fields.string("notification_id"), event: try fields.string("event"),
                  attempt: try fields.int("attempt"), httpStatus: try fields.optionalInt("http_status"),
                  error: try fields.optionalString("error"))
    }
}

extension EventMetadata {
    init(data: JSONValue) throws(EventDecodingError) {
        let fields = try PayloadFields(data, type: .operatorAction)
        self.init(actor: try fields.string("actor"), source: try fields.optionalString("source"),
                  correlationID: try fields.optionalString("correlation_id"),
                  causationPosition: try fields.optionalInt64("causation_position"))
    }
}
