extension LedgerEvent {
    /// The `data` column: members in sorted key order, as the payloads'
    /// coding keys spell them; optionals that are `nil` are left out (as
    /// Codable leaves them out). A test holds this byte for byte to
    /// Foundation's `JSONEncoder` with sorted keys on the ledger's payloads;
    /// in general the two differ on whole doubles (`1.0` here, `1` there) and
    /// on `\b`/`\f` (written `\u0008`/`\u000c` here). Nothing compares stored
    /// text with Foundation's, so only determinism matters.
    var jsonText: String {
        var out = JSONOutput()
        switch self {
        case .jobRegistered(let p):
            out.string("account", p.account); out.int("cost", p.cost); out.string("external_id", p.externalID)
            out.string("job_id", p.jobID); out.value("metadata", p.metadata); out.string("operation", p.operation)
            out.string("provider", p.provider)
        case .jobSubmitted(let p): out.string("external_id", p.externalID)
        case .webhookReceived(let p):
            out.int("adopted_from", p.adoptedFrom); out.string("body", p.body); out.string("body_sha256", p.bodySHA256)
            out.string("delivery_id", p.deliveryID); out.bool("duplicate", p.duplicate); out.string("error", p.error)
            out.string("external_id", p.externalID); out.string("matched_by", p.matchedBy?.rawValue)
            out.value("outputs", p.outputs); out.string("provider", p.provider)
            out.string("raw_status", p.rawStatus); out.string("reported_status", p.reportedStatus.rawValue)
        case .pollResult(let p):
            out.int("attempt", Int64(p.attempt)); out.string("error", p.error); out.int("http_status", p.httpStatus.map { Int64($0) })
            out.int("latency_ms", p.latencyMilliseconds); out.value("outputs", p.outputs); out.string("raw_status", p.rawStatus)
            out.string("reported_status", p.reportedStatus.rawValue); out.string("transport_error", p.transportError)
        case .watchdogDecision(let p):
            out.int("age_s", p.ageSeconds); out.string("decision", p.decision.rawValue); out.string("reason", p.reason)
            out.int("threshold_s", p.thresholdSeconds)
        case .jobCompleted(let p):
            out.int("evidence_position", p.evidencePosition); out.value("outputs", p.outputs); out.string("source", p.source.rawValue)
        case .jobFailed(let p):
            out.int("evidence_position", p.evidencePosition); out.string("reason", p.reason); out.string("source", p.source.rawValue)
        case .jobCancelled(let p):
            out.int("evidence_position", p.evidencePosition); out.string("reason", p.reason); out.string("source", p.source.rawValue)
        case .creditRefunded(let p):
            out.string("account", p.account); out.int("amount", p.amount); out.int("evidence_position", p.evidencePosition)
        case .jobLateCompletion(let p):
            out.int("evidence_position", p.evidencePosition); out.value("outputs", p.outputs)
            out.string("policy", p.policy.rawValue); out.string("source", p.source.rawValue)
        case .creditRecharged(let p):
            out.string("account", p.account); out.int("amount", p.amount); out.int("evidence_position", p.evidencePosition)
        case .notificationQueued(let p), .notificationAttempted(let p), .notificationDelivered(let p),
             .notificationDeadLettered(let p):
            out.int("attempt", Int64(p.attempt)); out.string("error", p.error); out.string("event", p.event)
            out.int("http_status", p.httpStatus.map { Int64($0) }); out.int("latency_ms", p.latencyMilliseconds.map { Int64($0) })
            out.string("notification_id", p.notificationID)
        case .operatorAction(let p):
            out.string("action", p.action); out.string("operator", p.operatorName); out.string("reason", p.reason)
        case .retentionApplied(let p):
            out.int("count", p.count); out.string("cutoff", p.cutoff); out.int("from_position", p.fromPosition)
            out.string("operator", p.operatorName); out.string("redacted_sha256", p.redactedSHA256)
            out.int("through_position", p.throughPosition)
        }
        return out.text()
    }
}

extension EventMetadata {
    /// The `metadata` column, members in sorted key order.
    var jsonText: String {
        var out = JSONOutput()
        out.string("actor", actor); out.int("causation_position", causationPosition)
        out.string("correlation_id", correlationID); out.string("source", source)
        return out.text()
    }
}
