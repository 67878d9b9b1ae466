import GRDB
import LedgerCore

extension WriteSession {
    /// Decides a request against the job's history and records the fact with
    /// its decisions; runs inside the group commit's transaction.
    func execute(_ request: LedgerRequest, _ db: Database) throws -> LedgerOutcome {
        switch request {
        case .job(let jobID, let command, let metadata):
            if let problem = Identifier.problem(jobID, field: "job_id") { throw StoreError.invalidRequest(problem) }
            return try decide(command, jobID: jobID, metadata: metadata, db)
        case .webhook(let webhook, let claimedJobID, let metadata):
            // Its ids and outputs are checked where every stored event is: in record().
            let owner = webhook.externalID.isEmpty ? nil
                : try jobID(provider: webhook.provider, externalID: webhook.externalID, db)
            let claimedJob = try claimedJobID.flatMap { id throws in
                Identifier.problem(id, field: "id") == nil ? try jobState(id, db) : nil
            }
            switch WebhookRoute.of(webhook, claimedJobID: claimedJobID, claimedJob: claimedJob, owner: owner) {
            case .job(let jobID, let matchedBy):
                var fact = webhook
                fact.matchedBy = matchedBy
                return try decide(.webhook(fact), jobID: jobID, metadata: metadata, db)
            case .orphan:
                return try recordOrphan(webhook, metadata: metadata, db)
            case .unroutable(let problem):
                throw StoreError.invalidRequest(problem)
            }
        }
    }

    private func decide(_ command: JobCommand, jobID: String, metadata: EventMetadata,
                        _ db: Database) throws -> LedgerOutcome {
        let state = try jobState(jobID, db)
        let context = DecisionContext(now: now(), lateCompletionPolicy: options.lateCompletionPolicy,
                                      factPosition: head.position + 1, notificationsEnabled: options.notificationsEnabled,
                                      notifyEvents: options.notifyEvents)
        let events: [LedgerEvent]
        do {
            events = try Decider.decide(command, state: state, context: context)
        } catch {
            throw StoreError.refused(error)
        }
        try checkExternalIDFree(events, state: state, db)
        var outcome = LedgerOutcome(jobID: jobID, factPosition: nil, appended: [], duplicate: false, orphan: false)
        if !events.isEmpty {
            let recorded = try record(withCausation(events, metadata: metadata, factPosition: context.factPosition),
                                      stream: StreamName.job(jobID), after: state.version, idempotencyKey: nil, db)
            outcome.factPosition = recorded[0].position
            outcome.appended = recorded.map { AppendedEvent(position: $0.position, stream: $0.stream, type: $0.event.type) }
            if case .webhookReceived(let fact) = events[0] { outcome.duplicate = fact.duplicate }
        }
        var after = try jobState(jobID, db)
        let looksAgain = if case .reevaluate = command { true } else { false }
        if events.contains(where: Self.revealsExternalID) || looksAgain, let externalID = after.externalID {
            outcome.appended += try adoptOrphans(provider: after.provider, externalID: externalID, jobID: jobID, db)
            after = try jobState(jobID, db)
        }
        outcome.state = after
        return outcome
    }

    /// The fact keeps the caller's metadata; decisions are the ledger's, caused by the fact.
    private func withCausation(_ events: [LedgerEvent], metadata: EventMetadata, factPosition: Int64) -> [NewEvent] {
        events.enumerated().map { offset, event in
            guard offset > 0 else { return NewEvent(event, metadata: metadata) }
            return NewEvent(event, metadata: EventMetadata(actor: "ledger", source: "decider",
                                                           correlationID: metadata.correlationID,
                                                           causationPosition: factPosition))
        }
    }

    private static func revealsExternalID(_ event: LedgerEvent) -> Bool {
        switch event {
        case .jobSubmitted: true
        case .jobRegistered(let registered): registered.externalID != nil
        default: false
        }
    }

    private func checkExternalIDFree(_ events: [LedgerEvent], state: JobState, _ db: Database) throws {
        for event in events {
            let claim: (provider: String, externalID: String)?
            switch event {
            case .jobSubmitted(let submitted): claim = (state.provider, submitted.externalID)
            case .jobRegistered(let registered): claim = registered.externalID.map { (registered.provider, $0) }
            default: claim = nil
            }
            guard let claim, let owner = try jobID(provider: claim.provider, externalID: claim.externalID, db),
                  owner != state.jobID else { continue }
            throw StoreError.externalIDTaken(provider: claim.provider, externalID: claim.externalID, jobID: owner)
        }
    }

    func jobID(provider: String, externalID: String, _ db: Database) throws -> String? {
        let sql = "SELECT job_id FROM projection_jobs WHERE provider = ? AND external_id = ?"
        return try String.fetchOne(db.cachedStatement(sql: sql), arguments: [provider, externalID])
    }
}
