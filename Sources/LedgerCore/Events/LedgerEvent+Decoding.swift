/// Decoding of each payload straight from JSON bytes: each member's key picks
/// the property it fills; unknown keys are skipped (forward compatibility);
/// after the object, every required property must have been seen. The rules
/// are Codable's (a test holds both to the same results).
extension LedgerEvent {
    init(type: EventType, json text: String) throws(EventDecodingError) {
        do {
            self = try JSONParser.read(text) { reader throws(JSONParser.Failure) in try Self.read(type, &reader) }
        } catch {
            throw .malformed(type: type.rawValue, detail: error.reason)
        }
    }

    init(type: EventType, utf8 bytes: UnsafeBufferPointer<UInt8>, foldOnly: Bool = false) throws(EventDecodingError) {
        do {
            self = try JSONParser.read(bytes) { reader throws(JSONParser.Failure) in
                reader.foldOnly = foldOnly
                return try Self.read(type, &reader)
            }
        } catch {
            throw .malformed(type: type.rawValue, detail: error.reason)
        }
    }

    private static func read(_ type: EventType, _ reader: inout JSONReader) throws(JSONParser.Failure) -> LedgerEvent {
        switch type {
        case .jobRegistered: .jobRegistered(try JobRegistered(&reader))
        case .jobSubmitted: .jobSubmitted(try JobSubmitted(&reader))
        case .webhookReceived: .webhookReceived(try WebhookReceived(&reader))
        case .pollResult: .pollResult(try PollResult(&reader))
        case .watchdogDecision: .watchdogDecision(try WatchdogDecision(&reader))
        case .jobCompleted: .jobCompleted(try JobCompleted(&reader))
        case .jobFailed: .jobFailed(try JobFailed(&reader))
        case .jobCancelled: .jobCancelled(try JobCancelled(&reader))
        case .creditRefunded: .creditRefunded(try CreditRefunded(&reader))
        case .jobLateCompletion: .jobLateCompletion(try JobLateCompletion(&reader))
        case .creditRecharged: .creditRecharged(try CreditRecharged(&reader))
        case .notificationQueued: .notificationQueued(try NotificationStep(&reader))
        case .notificationAttempted: .notificationAttempted(try NotificationStep(&reader))
        case .notificationDelivered: .notificationDelivered(try NotificationStep(&reader))
        case .notificationDeadLettered: .notificationDeadLettered(try NotificationStep(&reader))
        case .operatorAction: .operatorAction(try OperatorAction(&reader))
        case .retentionApplied: .retentionApplied(try RetentionApplied(&reader))
        }
    }
}

/// A property every payload must carry.
func required<T>(_ value: T?, _ key: String, _ reader: JSONReader) throws(JSONParser.Failure) -> T {
    guard let value else { throw reader.failure("missing \(key)") }
    return value
}

/// A reported status, matched as bytes: every webhook and poll has one.
func reportedStatusWord(_ key: JSONKey, _ reader: inout JSONReader) throws(JSONParser.Failure) -> ReportedStatus {
    try reader.readWord(key, in: ReportedStatus.byUTF8)
}

/// A word of a closed vocabulary (a status, a source, a policy).
func word<Word: RawRepresentable<String>>(_ key: JSONKey, _ reader: inout JSONReader) throws(JSONParser.Failure) -> Word {
    guard let word = Word(rawValue: try reader.readString(key)) else { throw reader.failure("\(key) is not one of its documented words") }
    return word
}

extension JobRegistered {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var jobID: String?, account: String?, provider: String?, operation: String?, cost: Int64?
        var externalID: String?, metadata: JSONValue?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "job_id": jobID = try reader.readString(key)
            case "account": account = try reader.readString(key)
            case "provider": provider = try reader.readString(key)
            case "operation": operation = try reader.readString(key)
            case "cost": cost = try reader.readInt64(key)
            case "external_id": externalID = try reader.readOptionalString(key)
            case "metadata": metadata = try reader.readValue()
            default: try reader.skipValue()
            }
        }
        self.init(jobID: try required(jobID, "job_id", reader), account: try required(account, "account", reader),
                  provider: try required(provider, "provider", reader), operation: try required(operation, "operation", reader),
                  cost: try required(cost, "cost", reader), externalID: externalID,
                  metadata: try required(metadata, "metadata", reader))
    }
}

extension JobSubmitted {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var externalID: String?
        try reader.object { key, reader throws(JSONParser.Failure) in
            if key == "external_id" { externalID = try reader.readString(key) } else { try reader.skipValue() }
        }
        self.init(externalID: try required(externalID, "external_id", reader))
    }
}

extension WebhookReceived {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var deliveryID: String?, provider: String?, externalID: String?, reported: ReportedStatus?, raw: String?
        var outputs: JSONValue?, error: String?, bodySHA256: String?, body: String?, duplicate: Bool?, adoptedFrom: Int64?
        var matchedBy: WebhookMatch?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "delivery_id": deliveryID = try reader.readFoldedString(key)
            // A job's provider and external id come from its registration and
            // submission: its webhooks' copies are evidence, not fold input.
            case "provider": provider = try reader.readFoldedString(key)
            case "external_id": externalID = try reader.readFoldedString(key)
            case "reported_status": reported = try reportedStatusWord(key, &reader)
            case "raw_status": raw = try reader.readString(key)
            case "outputs": outputs = try reader.readValue()
            case "error": error = try reader.readOptionalString(key)
            case "body_sha256": bodySHA256 = try reader.readFoldedString(key)
            case "body": body = try reader.readFoldedString(key)
            case "duplicate": duplicate = try reader.readBool(key)
            case "adopted_from": adoptedFrom = try reader.readOptionalInt64(key)
            case "matched_by": matchedBy = try word(key, &reader) as WebhookMatch
            default: try reader.skipValue()
            }
        }
        self.init(deliveryID: try required(deliveryID, "delivery_id", reader), provider: try required(provider, "provider", reader),
                  externalID: try required(externalID, "external_id", reader),
                  reportedStatus: try required(reported, "reported_status", reader), rawStatus: try required(raw, "raw_status", reader),
                  outputs: try required(outputs, "outputs", reader), error: error,
                  bodySHA256: try required(bodySHA256, "body_sha256", reader), body: try required(body, "body", reader),
                  duplicate: try required(duplicate, "duplicate", reader), adoptedFrom: adoptedFrom,
                  matchedBy: matchedBy)
    }
}

extension PollResult {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var attempt: Int64?, reported: ReportedStatus?, raw: String?, outputs: JSONValue?, error: String?
        var httpStatus: Int64?, transportError: String?, latency: Int64?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "attempt": attempt = try reader.readInt64(key)
            case "reported_status": reported = try reportedStatusWord(key, &reader)
            case "raw_status": raw = try reader.readString(key)
            case "outputs": outputs = try reader.readValue()
            case "error": error = try reader.readOptionalString(key)
            case "http_status": httpStatus = try reader.readOptionalInt64(key)
            case "transport_error": transportError = try reader.readOptionalString(key)
            case "latency_ms": latency = try reader.readInt64(key)
            default: try reader.skipValue()
            }
        }
        self.init(attempt: Int(try required(attempt, "attempt", reader)), reportedStatus: try required(reported, "reported_status", reader),
                  rawStatus: try required(raw, "raw_status", reader), outputs: try required(outputs, "outputs", reader),
                  error: error, httpStatus: httpStatus.map { Int($0) }, transportError: transportError,
                  latencyMilliseconds: try required(latency, "latency_ms", reader))
    }
}

extension WatchdogDecision {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var decision: WatchdogVerdict?, reason: String?, age: Int64?, threshold: Int64?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "decision": decision = try word(key, &reader)
            case "reason": reason = try reader.readString(key)
            case "age_s": age = try reader.readInt64(key)
            case "threshold_s": threshold = try reader.readInt64(key)
            default: try reader.skipValue()
            }
        }
        self.init(decision: try required(decision, "decision", reader), reason: try required(reason, "reason", reader),
                  ageSeconds: try required(age, "age_s", reader), thresholdSeconds: try required(threshold, "threshold_s", reader))
    }
}

/// The fields shared by the outcome decisions: source, reason or outputs, policy, evidence.
struct OutcomeFields {
    var source: EvidenceSource?
    var reason: String?
    var outputs: JSONValue?
    var policy: LateCompletionPolicy?
    var account: String?
    var amount: Int64?
    var evidencePosition: Int64?

    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "source": source = try word(key, &reader)
            case "reason": reason = try reader.readString(key)
            case "outputs": outputs = try reader.readValue()
            case "policy": policy = try word(key, &reader)
            case "account": account = try reader.readString(key)
            case "amount": amount = try reader.readInt64(key)
            case "evidence_position": evidencePosition = try reader.readInt64(key)
            default: try reader.skipValue()
            }
        }
    }
}

extension JobCompleted {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(source: try required(f.source, "source", reader), outputs: try required(f.outputs, "outputs", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension JobFailed {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(source: try required(f.source, "source", reader), reason: try required(f.reason, "reason", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension JobCancelled {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(source: try required(f.source, "source", reader), reason: try required(f.reason, "reason", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension JobLateCompletion {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(source: try required(f.source, "source", reader), outputs: try required(f.outputs, "outputs", reader),
                  policy: try required(f.policy, "policy", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension CreditRefunded {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(account: try required(f.account, "account", reader), amount: try required(f.amount, "amount", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension CreditRecharged {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        let f = try OutcomeFields(&reader)
        self.init(account: try required(f.account, "account", reader), amount: try required(f.amount, "amount", reader),
                  evidencePosition: try required(f.evidencePosition, "evidence_position", reader))
    }
}

extension NotificationStep {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var notificationID: String?, event: String?, attempt: Int64?, httpStatus: Int64?, error: String?, latency: Int64?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "notification_id": notificationID = try reader.readString(key)
            case "event": event = try reader.readString(key)
            case "attempt": attempt = try reader.readInt64(key)
            case "http_status": httpStatus = try reader.readOptionalInt64(key)
            case "error": error = try reader.readOptionalString(key)
            case "latency_ms": latency = try reader.readOptionalInt64(key)
            default: try reader.skipValue()
            }
        }
        self.init(notificationID: try required(notificationID, "notification_id", reader), event: try required(event, "event", reader),
                  attempt: Int(try required(attempt, "attempt", reader)), httpStatus: httpStatus.map { Int($0) }, error: error,
                  latencyMilliseconds: latency.map { Int($0) })
    }
}

extension OperatorAction {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var name: String?, action: String?, reason: String?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "operator": name = try reader.readString(key)
            case "action": action = try reader.readString(key)
            case "reason": reason = try reader.readString(key)
            default: try reader.skipValue()
            }
        }
        self.init(operatorName: try required(name, "operator", reader), action: try required(action, "action", reader),
                  reason: try required(reason, "reason", reader))
    }
}

extension RetentionApplied {
    init(_ reader: inout JSONReader) throws(JSONParser.Failure) {
        var cutoff: String?, from: Int64?, through: Int64?, count: Int64?, digest: String?, name: String?
        try reader.object { key, reader throws(JSONParser.Failure) in
            switch key {
            case "cutoff": cutoff = try reader.readString(key)
            case "from_position": from = try reader.readInt64(key)
            case "through_position": through = try reader.readInt64(key)
            case "count": count = try reader.readInt64(key)
            case "redacted_sha256": digest = try reader.readString(key)
            case "operator": name = try reader.readString(key)
            default: try reader.skipValue()
            }
        }
        self.init(cutoff: try required(cutoff, "cutoff", reader), fromPosition: try required(from, "from_position", reader),
                  throughPosition: try required(through, "through_position", reader), count: try required(count, "count", reader),
                  redactedSHA256: try required(digest, "redacted_sha256", reader), operatorName: try required(name, "operator", reader))
    }
}

extension EventMetadata {
    init(json text: String) throws(EventDecodingError) {
        do {
            self = try JSONParser.read(text) { reader throws(JSONParser.Failure) in
                var actor: String?, source: String?, correlationID: String?, causation: Int64?
                try reader.object { key, reader throws(JSONParser.Failure) in
                    switch key {
                    case "actor": actor = try reader.readString(key)
                    case "source": source = try reader.readOptionalString(key)
                    case "correlation_id": correlationID = try reader.readOptionalString(key)
                    case "causation_position": causation = try reader.readOptionalInt64(key)
                    default: try reader.skipValue()
                    }
                }
                return EventMetadata(actor: try required(actor, "actor", reader), source: source,
                                     correlationID: correlationID, causationPosition: causation)
            }
        } catch {
            throw .malformed(type: "metadata", detail: error.reason)
        }
    }
}
