/// The rules for ids the ledger keys on (job ids, accounts, providers,
/// external ids, delivery ids).
///
/// Printable ASCII only, 1 to 200 bytes. Swift compares strings by Unicode
/// canonical equivalence while SQLite compares bytes: `"é"` and `"e\u{301}"`
/// would be one key in memory and two in the database, so a job could be
/// decided from another job's state. Refusing non-ASCII ids closes that door.
public enum Identifier {
    public static let byteCountMax = 200
    /// Outputs and metadata nested deeper than this are refused, well inside
    /// what the log's JSON reader accepts (``JSONParser/depthMax``).
    public static let jsonDepthMax = 32

    /// Why `text` is not a valid value for `field`, or `nil` when it is.
    public static func problem(_ text: String, field: String) -> String? {
        let bytes = text.utf8
        guard !bytes.isEmpty, bytes.count <= byteCountMax else {
            return "\(field) must be 1 to \(byteCountMax) bytes, got \(bytes.count)"
        }
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return "\(field) must be printable ASCII without spaces (letters, digits, - _ . : / and the like)"
        }
        return nil
    }

    static func check(_ text: String?, field: String) throws(DecisionError) {
        guard let text, let problem = problem(text, field: field) else { return }
        throw .invalid(problem)
    }

    static func checkDepth(_ value: JSONValue, field: String) throws(DecisionError) {
        guard value.nestingDepth <= jsonDepthMax else {
            throw .invalid("\(field) is nested deeper than \(jsonDepthMax) levels")
        }
    }
}

extension JSONValue {
    /// 0 for a scalar, 1 for a flat array or object, and so on.
    public var nestingDepth: Int {
        switch self {
        case .null, .bool, .int, .double, .string: 0
        case .array(let items): 1 + (items.map(\.nestingDepth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.nestingDepth).max() ?? 0)
        }
    }
}

extension JobCommand {
    /// Checks the ids and the JSON this command would store.
    public func validate(jobID: String) throws(DecisionError) {
        try Identifier.check(jobID, field: "job_id")
        switch self {
        case .register(let registration):
            try Identifier.check(registration.account, field: "account")
            try Identifier.check(registration.provider, field: "provider")
            try Identifier.check(registration.externalID, field: "external_id")
            try Identifier.checkDepth(registration.metadata, field: "metadata")
        case .submit(let externalID): try Identifier.check(externalID, field: "external_id")
        case .webhook(let webhook): try webhook.validate()
        case .poll(let poll): try Identifier.checkDepth(poll.outputs, field: "outputs")
        case .resolveCompleted(let action, let outputs):
            try action.validate()
            try Identifier.checkDepth(outputs, field: "outputs")
        case .resolveFailed(let action), .reevaluate(let action): try action.validate()
        case .watchdog, .cancel, .notification: break
        }
    }
}

extension WebhookReceived {
    /// Why this webhook's external id is refused before it is routed or read,
    /// or nil (none, or one the decider takes). The engines read no id the
    /// decider refuses: PostgreSQL's read of a NUL failed the whole batch,
    /// answered 500 where SQLite answered 400. An empty id is routing's
    /// business: only a webhook matched by our job id is stored without one.
    var externalIDProblem: String? {
        externalID.isEmpty ? nil : Identifier.problem(externalID, field: "external_id")
    }

    /// Checks the ids a webhook is routed and deduplicated by, and its outputs.
    public func validate() throws(DecisionError) {
        try Identifier.check(provider, field: "provider")
        // Matched by our job id, a webhook may carry no external id (NCA's failures).
        if externalID.isEmpty && matchedBy != .jobID { try Identifier.check(externalID, field: "external_id") }
        if let problem = externalIDProblem { throw .invalid(problem) }
        try Identifier.check(deliveryID, field: "delivery_id")
        try Identifier.checkDepth(outputs, field: "outputs")
    }
}

extension LedgerEvent {
    /// Checks what any stored event must satisfy, whoever appends it (the
    /// decider, or a raw `append`): ids the projections key on, and JSON the
    /// log's reader can read back.
    public func validateForStorage() throws(DecisionError) {
        switch self {
        case .jobRegistered(let registered):
            try JobCommand.register(registered).validate(jobID: registered.jobID)
            // (Its text rule is the decider's: a log may hold registrations from before that rule.)
            try registered.validateCost()
        case .jobSubmitted(let submitted): try Identifier.check(submitted.externalID, field: "external_id")
        case .webhookReceived(let webhook): try webhook.validate()
        case .pollResult(let poll): try Identifier.checkDepth(poll.outputs, field: "outputs")
        case .jobCompleted(let completed): try Identifier.checkDepth(completed.outputs, field: "outputs")
        case .jobLateCompletion(let late): try Identifier.checkDepth(late.outputs, field: "outputs")
        case .creditRefunded(let refund): try Identifier.check(refund.account, field: "account")
        case .creditRecharged(let recharge): try Identifier.check(recharge.account, field: "account")
        case .watchdogDecision, .jobFailed, .jobCancelled, .notificationQueued, .notificationAttempted,
             .notificationDelivered, .notificationDeadLettered, .operatorAction, .retentionApplied:
            break
        }
    }
}

extension JobRegistered {
    /// Credits are charged, never paid out by a registration: a negative cost
    /// would make a balance grow (the decider's rule and every stored event's).
    func validateCost() throws(DecisionError) {
        guard cost >= 0 else { throw .invalid("cost must be zero or more credits, got \(cost)") }
    }
}
