/// The ledger's business rules, as one pure function:
/// (job history folded into ``JobState``, new fact, policy, now) → events.
///
/// The first event returned is the fact itself (when the command records
/// one); the rest are the decisions it caused. An empty result means "already
/// recorded": the caller appends nothing and answers with the original.
///
/// ```swift
/// let events = try Decider.decide(.webhook(delivery), state: job, context: context)
/// // [.webhookReceived(...), .jobFailed(...), .creditRefunded(...)]
/// ```
public enum Decider {
    public static func decide(
        _ command: JobCommand, state: JobState, context: DecisionContext
    ) throws(DecisionError) -> [LedgerEvent] {
        let events = try decideWithoutOutbox(command, state: state, context: context)
        return context.notificationsEnabled ? withOutbox(events, state: state, context: context) : events
    }

    private static func decideWithoutOutbox(
        _ command: JobCommand, state: JobState, context: DecisionContext
    ) throws(DecisionError) -> [LedgerEvent] {
        try command.validate(jobID: state.jobID)
        if case .register(let registration) = command { return try register(registration, state: state) }
        try command.validateText()
        guard state.isRegistered else { throw .unknownJob(jobID: state.jobID) }
        switch command {
        case .register: preconditionFailure("handled above")
        case .submit(let externalID): return try submit(externalID, state: state)
        case .webhook(let webhook): return receive(webhook, state: state, context: context)
        case .poll(let poll): return [.pollResult(poll)] + evidence(from: poll, state: state, context: context)
        case .watchdog(let look, let judged):
            // A job that ended since the watchdog read it needs no look, nor one
            // awaiting something else now (submitted since); the same verdict for
            // the same reason again is no news: nothing to record.
            if state.status.isTerminal { return [] }
            if let judged, WatchdogPolicy.Judged(state) != judged { return [] }
            if let last = state.lastWatchdogLook, last.decision == look.decision, last.reason == look.reason { return [] }
            return [.watchdogDecision(look)] + watchdog(look, state: state, context: context)
        case .cancel(let reason): return try cancel(reason, state: state, context: context)
        case .resolveCompleted(let action, let outputs):
            // The same resolution again (a retry after a lost answer) is answered with the job as it is.
            if state.lastOperatorAction == action, state.status == .completed ? state.outputs == outputs : state.lateOutputs == outputs {
                return []
            }
            guard !state.status.isTerminal || (state.status != .completed && state.lateCompletedAt == nil) else {
                throw .alreadyTerminal(jobID: state.jobID, status: state.status)
            }
            let report = Evidence(status: .completed, outputs: outputs, error: nil, source: .manual)
            return [.operatorAction(action)] + outcome(of: report, state: state, context: context)
        case .notification(let command): return notification(command, state: state)
        case .reevaluate(let action):
            return state.lastOperatorAction == action ? [] : [.operatorAction(action)]
        case .resolveFailed(let action):
            if state.lastOperatorAction == action, state.status == .failed, state.completionSource == .manual { return [] }
            guard !state.status.isTerminal else { throw .alreadyTerminal(jobID: state.jobID, status: state.status) }
            let report = Evidence(status: .failed, outputs: .null, error: action.reason, source: .manual)
            return [.operatorAction(action)] + outcome(of: report, state: state, context: context)
        }
    }

    private static func register(_ registration: JobRegistered, state: JobState) throws(DecisionError) -> [LedgerEvent] {
        let differences = state.registration.map { $0.differences(from: registration) }
        // A registration stored before the text rule still answers 200 when it comes again
        // unchanged; a new or changed one meets the rule first (its 400 says more than a 409).
        if differences?.isEmpty != true { try JobCommand.register(registration).validateText() }
        try registration.validateCost()
        guard let differences else { return [.jobRegistered(registration)] }
        guard differences.isEmpty else {
            throw .registeredWithDifferentPayload(jobID: state.jobID, fields: differences)
        }
        return []
    }

    private static func submit(_ externalID: String, state: JobState) throws(DecisionError) -> [LedgerEvent] {
        guard !externalID.isEmpty else { throw .invalid("external_id must not be empty") }
        guard let existing = state.externalID else { return [.jobSubmitted(JobSubmitted(externalID: externalID))] }
        guard existing == externalID else { throw .externalIDAlreadySet(jobID: state.jobID, existing: existing) }
        return []
    }

    private static func receive(_ webhook: WebhookReceived, state: JobState, context: DecisionContext) -> [LedgerEvent] {
        var fact = webhook
        fact.duplicate = state.seenDeliveryIDs.contains(webhook.deliveryID)
            || state.seenBodyHashes.contains(webhook.bodySHA256)
        guard !fact.duplicate else { return [.webhookReceived(fact)] }
        let report = Evidence(status: fact.reportedStatus, outputs: fact.outputs, error: fact.error, source: .webhook)
        return [.webhookReceived(fact)] + outcome(of: report, state: state, context: context)
    }

    private static func evidence(from poll: PollResult, state: JobState, context: DecisionContext) -> [LedgerEvent] {
        guard poll.transportError == nil else { return [] }
        let report = Evidence(status: poll.reportedStatus, outputs: poll.outputs, error: poll.error, source: .poll)
        return outcome(of: report, state: state, context: context)
    }

    private static func watchdog(_ look: WatchdogDecision, state: JobState, context: DecisionContext) -> [LedgerEvent] {
        guard look.decision == .fail else { return [] }
        let report = Evidence(status: .failed, outputs: .null, error: look.reason, source: .watchdog)
        return outcome(of: report, state: state, context: context)
    }

    private static func cancel(_ reason: String, state: JobState, context: DecisionContext) throws(DecisionError) -> [LedgerEvent] {
        // The app's same cancellation again (a retry after a lost answer) is answered
        // with the job as it is; another reason, or a job that ended otherwise, is refused.
        if state.status == .cancelled, state.completionSource == .app, state.failureReason == reason { return [] }
        guard !state.status.isTerminal else { throw .alreadyTerminal(jobID: state.jobID, status: state.status) }
        // The cancellation is its own evidence: it is the fact at factPosition.
        let cancelled = JobCancelled(source: .app, reason: reason, evidencePosition: context.factPosition)
        return [.jobCancelled(cancelled)] + refund(state: state, evidencePosition: context.factPosition)
    }
}
