extension CommandHandler {
    /// The reads ``handle(_:context:reader:)`` makes for `request`, as far as
    /// `known` lets them be told: a read whose answer decides the next ones
    /// (a job's state, an external id's owner) hides those until it is known.
    /// An engine loads what it lacks of the list, kind by kind for a whole
    /// batch, and asks again until nothing is missing; then the handler runs
    /// once and reads nothing it was not given.
    ///
    /// ```swift
    /// CommandHandler.reads(.webhook(delivery, metadata: metadata), known: cache)
    /// // [.jobID(provider: "replicate", externalID: "p-1")], then once the owner is known:
    /// // [.jobID(...), .jobState(jobID: "42")]
    /// ```
    public static func reads(_ request: LedgerRequest, known: some KnownLedger) -> [Lookup] {
        switch request {
        case .job(let jobID, let command, _):
            guard Identifier.problem(jobID, field: "job_id") == nil else { return [] }
            return [.jobState(jobID: jobID)] + (known.knownJobState(jobID).map { reads(command, state: $0) } ?? [])
        case .webhook(let webhook, let claimedJobID, _):
            return reads(webhook, claimedJobID: claimedJobID, known: known)
        }
    }

    /// A job command's reads once its job's state is known: a decision that
    /// reveals an external id checks its owner and adopts its waiting orphans.
    private static func reads(_ command: JobCommand, state: JobState) -> [Lookup] {
        let revealed: (provider: String, externalID: String)?
        switch command {
        case .register(let registration): revealed = registration.externalID.map { (registration.provider, $0) }
        case .submit(let externalID): revealed = externalID.isEmpty ? nil : (state.provider, externalID)
        case .reevaluate: return state.externalID.map { [.waitingOrphans(provider: state.provider, externalID: $0)] } ?? []
        case .webhook, .poll, .watchdog, .cancel, .resolveCompleted, .resolveFailed, .notification: revealed = nil
        }
        // An id the decider refuses is read by no engine: PostgreSQL refuses a NUL in any bound text.
        guard let revealed, Identifier.problem(revealed.externalID, field: "external_id") == nil else { return [] }
        return [.jobID(provider: revealed.provider, externalID: revealed.externalID),
                .waitingOrphans(provider: revealed.provider, externalID: revealed.externalID)]
    }

    /// A webhook's reads: its owner and the job it claims, then the job it is
    /// routed to or, for an orphan, what its duplicate check and its stream need.
    private static func reads(_ webhook: WebhookReceived, claimedJobID: String?, known: some KnownLedger) -> [Lookup] {
        // Refused before routing (``WebhookReceived/externalIDProblem``): nothing to read.
        guard webhook.externalIDProblem == nil else { return [] }
        var reads: [Lookup] = []
        var owner: String?? = .some(nil)
        if !webhook.externalID.isEmpty {
            reads.append(.jobID(provider: webhook.provider, externalID: webhook.externalID))
            owner = known.knownJobID(provider: webhook.provider, externalID: webhook.externalID)
        }
        var claimedJob: JobState?? = .some(nil)
        if let claimedJobID, Identifier.problem(claimedJobID, field: "id") == nil {
            reads.append(.jobState(jobID: claimedJobID))
            claimedJob = known.knownJobState(claimedJobID).map { .some($0) }
        }
        guard case .some(let ownerAnswer) = owner, case .some(let claimedAnswer) = claimedJob else { return reads }
        switch WebhookRoute.of(webhook, claimedJobID: claimedJobID, claimedJob: claimedAnswer, owner: ownerAnswer) {
        case .job(let jobID, _):
            reads.append(.jobState(jobID: jobID))
        case .orphan:
            reads.append(.orphanRecorded(provider: webhook.provider, externalID: webhook.externalID,
                                         deliveryID: webhook.deliveryID, bodySHA256: webhook.bodySHA256))
            reads.append(.streamVersion(StreamName.orphans(webhook.provider)))
        case .unroutable:
            break
        }
        return reads
    }
}
