extension LedgerEvent {
    /// The `data` object, field for field as the payloads' coding keys spell
    /// them; optionals that are `nil` are left out, as Codable leaves them out.
    var dataValue: JSONValue {
        switch self {
        case .jobRegistered(let p):
            .object(["job_id": .string(p.jobID), "account": .string(p.account), "provider": .string(p.provider),
                     "operation": .string(p.operation), "cost": .int(p.cost), "metadata": p.metadata]
                .adding("external_id", p.externalID.map(JSONValue.string)))
        case .jobSubmitted(let p): .object(["external_id": .string(p.externalID)])
        case .webhookReceived(let p):
            .object(["delivery_id": .string(p.deliveryID), "provider": .string(p.provider),
                     "external_id": .string(p.externalID), "reported_status": .string(p.reportedStatus.rawValue),
                     "raw_status": .string(p.rawStatus), "outputs": p.outputs, "body_sha256": .string(p.bodySHA256),
                     "body": .string(p.body), "duplicate": .bool(p.duplicate)]
                .adding("error", p.error.map(JSONValue.string)).adding("adopted_from", p.adoptedFrom.map(JSONValue.int)))
        case .pollResult(let p):
            .object(["attempt": .int(Int64(p.attempt)), "reported_status": .string(p.reportedStatus.rawValue),
                     "raw_status": .string(p.rawStatus), "outputs": p.outputs, "latency_ms": .int(p.latencyMilliseconds)]
                .adding("error", p.error.map(JSONValue.string))
                .adding("http_status", p.httpStatus.map { .int(Int64($0)) })
                .adding("transport_error", p.transportError.map(JSONValue.string)))
        case .watchdogDecision(let p):
            .object(["decision": .string(p.decision.rawValue), "reason": .string(p.reason),
                     "age_s": .int(p.ageSeconds), "threshold_s": .int(p.thresholdSeconds)])
        case .jobCompleted(let p):
            .object(["source": .string(p.source.rawValue), "outputs": p.outputs, "evidence_position": .int(p.evidencePosition)])
        case .jobFailed(let p):
            .object(["source": .string(p.source.rawValue), "reason": .string(p.reason), "evidence_position": .int(p.evidencePosition)])
        case .jobCancelled(let p):
            .object(["source": .string(p.source.rawValue), "reason": .string(p.reason), "evidence_position": .int(p.evidencePosition)])
        case .creditRefunded(let p):
            .object(["account": .string(p.account), "amount": .int(p.amount), "evidence_position": .int(p.evidencePosition)])
        case .jobLateCompletion(let p):
            .object(["source": .string(p.source.rawValue), "outputs": p.outputs, "policy": .string(p.policy.rawValue),
                     "evidence_position": .int(p.evidencePosition)])
        case .creditRecharged(let p):
            .object(["account": .string(p.account), "amount": .int(p.amount), "evidence_position": .int(p.evidencePosition)])
        case .notificationQueued(let p), .notificationAttempted(let p), .notificationDelivered(let p),
             .notificationDeadLettered(let p):
            .object(["notification_id": .string(p.notificationID), "event": .string(p.event), "attempt": .int(Int64(p.attempt))]
                .adding("http_status", p.httpStatus.map { .int(Int64($0)) }).adding("error", p.error.map(JSONValue.string)))
        case .operatorAction(let p):
            .object(["operator": .string(p.operatorName), "action": .string(p.action), "reason": .string(p.reason)])
        }
    }
}

extension EventMetadata {
    var dataValue: JSONValue {
        .object(["actor": .string(actor)]
            .adding("source", source.map(JSONValue.string))
            .adding("correlation_id", correlationID.map(JSONValue.string))
            .adding("causation_position", causationPosition.map(JSONValue.int)))
    }
}

private extension Dictionary where Key == String, Value == JSONValue {
    func adding(_ key: String, _ value: JSONValue?) -> Self {
        guard let value else { return self }
        var copy = self
        copy[key] = value
        return copy
    }
}
