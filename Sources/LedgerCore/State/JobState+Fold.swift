extension JobState {
    /// Folds a whole stream. The same as applying its events one by one.
    public static func fold(jobID: String, _ events: some Sequence<RecordedEvent>) -> JobState {
        var state = JobState(jobID: jobID)
        for event in events { state.apply(event) }
        return state
    }

    /// The state after `recorded`. Cannot fail and decides nothing: the
    /// decisions are events of their own, written by the ``Decider``.
    public mutating func apply(_ recorded: RecordedEvent) {
        apply(recorded.event, version: recorded.version, at: recorded.recordedAt)
    }

    /// The same, for callers that fold without decoding metadata (replay, rebuild).
    /// `forRowOnly`: skip `seenDeliveryIDs` and `seenBodyHashes`, which only
    /// deciding needs (a rebuild writes rows and decides nothing).
    public mutating func apply(_ event: LedgerEvent, version: Int64, at: Timestamp, forRowOnly: Bool = false) {
        self.version = version
        lastEventAt = at
        if case .operatorAction(let action) = event {
            lastOperatorAction = action
            answeredSinceOperatorAction = false
        }
        switch event {
        case .jobRegistered(let registered): applyRegistration(registered, at: at)
        case .jobSubmitted(let submitted):
            externalID = submitted.externalID
            submittedAt = submittedAt ?? at
            if status == .registered { status = .processing }
        case .webhookReceived(let webhook): applyWebhook(webhook, keepingDeliveries: !forRowOnly)
        case .pollResult(let poll):
            pollCount += 1
            if poll.gotAnswer { answeredSinceOperatorAction = true }
            if let report = poll.providerReport { applyReport(report) }
        case .watchdogDecision(let look): lastWatchdogLook = look
        case .jobCompleted(let completed):
            status = .completed
            outputs = completed.outputs
            completionSource = completed.source
            completedAt = at
        case .jobFailed(let failed):
            status = .failed
            failureReason = failed.reason
            completionSource = failed.source
            failedAt = at
        case .jobCancelled(let cancelled):
            status = .cancelled
            failureReason = cancelled.reason
            completionSource = cancelled.source
            cancelledAt = at
        case .creditRefunded(let refund): refundedAmount += refund.amount
        case .jobLateCompletion(let late):
            lateCompletedAt = at
            lateOutputs = late.outputs
        case .creditRecharged(let recharge): rechargedAmount += recharge.amount
        case .notificationQueued(let step), .notificationAttempted(let step), .notificationDelivered(let step),
             .notificationDeadLettered(let step):
            notifications[step.notificationID] = NotificationProgress.after(event, at: at, before: notifications[step.notificationID])
        case .operatorAction, .retentionApplied:
            break
        }
    }

    private mutating func applyRegistration(_ registered: JobRegistered, at: Timestamp) {
        registration = registered
        account = registered.account
        provider = registered.provider
        operation = registered.operation
        cost = registered.cost
        externalID = registered.externalID ?? externalID
        registeredAt = at
        if registered.externalID != nil, status == .registered { status = .processing }
    }

    private mutating func applyWebhook(_ webhook: WebhookReceived, keepingDeliveries: Bool) {
        webhookCount += 1
        if keepingDeliveries {
            seenDeliveryIDs.insert(webhook.deliveryID)
            seenBodyHashes.insert(webhook.bodySHA256)
        }
        if webhook.duplicate { duplicateCount += 1 }
        if let report = webhook.providerReport { applyReport(report) }
    }

    private mutating func applyReport(_ report: ProviderReport) {
        let reported = report.reported
        providerStatus = report.rawStatus
        if isContradicted(by: reported) { conflictCount += 1 }
        if status == .registered, reported == .queued || reported == .processing { status = .processing }
        if reported == .processing { startReported = true }
    }
}

/// What a provider reported about a job, for an event the fold takes as its
/// report. The fold's conflicts are counted on these (``JobState/isContradicted(by:)``).
public typealias ProviderReport = (reported: ReportedStatus, rawStatus: String)

extension WebhookReceived {
    /// The report, unless the delivery is a duplicate.
    public var providerReport: ProviderReport? { duplicate ? nil : (reportedStatus, rawStatus) }
}

extension PollResult {
    /// The report, unless the poll got no answer.
    public var providerReport: ProviderReport? { transportError == nil ? (reportedStatus, rawStatus) : nil }

    /// A 429 or a 5xx: the provider asks the poller to pause, and said nothing about the job.
    public static func asksForPause(httpStatus: Int) -> Bool { httpStatus == 429 || httpStatus >= 500 }

    /// The provider answered about the job: neither no answer nor a pause.
    public var gotAnswer: Bool { transportError == nil && !(httpStatus.map(Self.asksForPause) ?? false) }
}
