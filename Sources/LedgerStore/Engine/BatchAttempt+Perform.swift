import LedgerCore

/// A write a group commit carries.
public enum WriteRequest: Sendable {
    /// Decided by the core (``CommandHandler``) and appended with its decisions.
    case execute(LedgerRequest)
    /// A plain append with an expected version and an optional idempotency key.
    case append(AppendRequest)
}

/// What a write led to.
enum WriteOutcome: Sendable {
    case executed(LedgerOutcome)
    case appended(AppendResult)

    /// The same outcome for a batch stored `shift` positions later than
    /// decided, its earlier times raised to `raised`.
    func shifted(by shift: Int64, raisingTimesTo raised: Timestamp?) -> WriteOutcome {
        guard shift != 0 else { return self }
        switch self {
        case .executed(var outcome):
            outcome.factPosition = outcome.factPosition.map { $0 + shift }
            outcome.appended = outcome.appended.map { AppendedEvent(position: $0.position + shift, stream: $0.stream, type: $0.type) }
            if let raised, !outcome.appended.isEmpty, let last = outcome.state?.lastEventAt, last < raised {
                outcome.state?.lastEventAt = raised
            }
            return .executed(outcome)
        case .appended(var result):
            // A repeat names the original's positions (an immovable batch never moves).
            guard !result.alreadyExisted else { return self }
            result.firstPosition += shift
            result.lastPosition += shift
            return .appended(result)
        }
    }
}

/// A read the batch's prefetch did not foresee: loaded, then the request is decided again.
struct MissingRead: Error {
    var reads: ReadSet

    init(_ lookup: Lookup) {
        reads = ReadSet()
        reads.insert(lookup)
    }

    init(idempotencyKey key: String, count: Int) {
        reads = ReadSet()
        reads.idempotencyKeys[key] = count
    }
}

extension BatchAttempt {
    /// Decides and records one write on the batch so far. Throws a
    /// ``StoreError`` when refused (nothing recorded) or ``MissingRead``.
    func perform(_ write: WriteRequest) throws -> WriteOutcome {
        switch write {
        case .execute(let request): .executed(try execute(request))
        case .append(let request): .appended(try append(request))
        }
    }

    private func execute(_ request: LedgerRequest) throws -> LedgerOutcome {
        let now = now()
        let context = DecisionContext(now: now, lateCompletionPolicy: options.lateCompletionPolicy,
                                      factPosition: preparedHead.head.position + 1,
                                      // Only notification ids read it: no hash on the append path of a ledger that notifies no one.
                                      historyTag: options.notificationsEnabled
                                          ? ChainHasher.digest(preparedHead.head.hash + "\n" + now.iso8601) : "",
                                      notificationsEnabled: options.notificationsEnabled, notifyEvents: options.notifyEvents)
        let plan: CommandPlan
        do {
            plan = try CommandHandler.handle(request, context: context, reader: BatchReader(attempt: self))
        } catch let error as DecisionError {
            if case .externalIDTaken(let provider, let externalID, let jobID) = error {
                throw StoreError.externalIDTaken(provider: provider, externalID: externalID, jobID: jobID)
            }
            throw StoreError.refused(error)
        }
        try check(plan)
        var outcome = LedgerOutcome(jobID: plan.jobID, factPosition: nil, appended: [], duplicate: plan.duplicate,
                                    orphan: plan.orphan)
        outcome.reusedDeliveryID = plan.reusedDeliveryID
        for append in plan.appends {
            let recorded = try record(append.events, stream: append.stream, after: append.expectedVersion, idempotencyKey: nil)
            outcome.factPosition = outcome.factPosition ?? recorded.first?.position
            outcome.appended += recorded.map { AppendedEvent(position: $0.position, stream: $0.stream, type: $0.event.type) }
        }
        precondition(outcome.appended.first.map { $0.position == context.factPosition } ?? true,
                     "the plan's positions are the ones appended")
        outcome.state = plan.jobID.flatMap { cache.jobs[$0] }.map { state in
            var state = state
            state.forgetDeliveries()
            return state
        }
        return outcome
    }

    /// Every refusal comes before the first change: each event is storable and
    /// each stream is at the version it was decided on (as it always is: the
    /// handler read the same states; a difference would be a defect, refused).
    private func check(_ plan: CommandPlan) throws {
        for new in plan.appends.flatMap(\.events) {
            do { try new.event.validateForStorage() } catch { throw StoreError.refused(error) }
        }
        var planned: [String: Int64] = [:]
        for append in plan.appends {
            guard let version = planned[append.stream] ?? knownVersion(of: append.stream) else {
                throw MissingRead(StreamName.jobID(of: append.stream).map { .jobState(jobID: $0) } ?? .streamVersion(append.stream))
            }
            guard version == append.expectedVersion else {
                throw StoreError.wrongExpectedVersion(stream: append.stream, expected: "version \(append.expectedVersion)",
                                                      actual: version)
            }
            planned[append.stream] = version + Int64(append.events.count)
        }
    }

    private func append(_ request: AppendRequest) throws -> AppendResult {
        guard !request.events.isEmpty else { throw StoreError.invalidRequest("an append needs at least one event") }
        guard (1...300).contains(request.stream.utf8.count), request.stream.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StoreError.invalidRequest("stream names are 1 to 300 bytes of printable ASCII without spaces")
        }
        if let key = request.idempotencyKey {
            noteImmovable()
            guard case .some(let original) = original(forKey: key) else {
                throw MissingRead(idempotencyKey: key, count: request.events.count)
            }
            if let original { return try repeated(request, key: key, original: original) }
        }
        guard let version = knownVersion(of: request.stream) else {
            throw MissingRead(StreamName.jobID(of: request.stream).map { .jobState(jobID: $0) } ?? .streamVersion(request.stream))
        }
        noteRead(stream: request.stream)
        guard request.expected.admits(version) else {
            throw StoreError.wrongExpectedVersion(stream: request.stream, expected: request.expected.description, actual: version)
        }
        for new in request.events {
            do { try new.event.validateForStorage() } catch { throw StoreError.refused(error) }
        }
        let recorded = try record(request.events, stream: request.stream, after: version, idempotencyKey: request.idempotencyKey)
        return AppendResult(firstPosition: recorded[0].position, lastPosition: recorded[recorded.count - 1].position,
                            streamVersion: version + Int64(recorded.count), alreadyExisted: false)
    }

    /// The same append again is `exists` with the original positions; a
    /// different one under the same key is an error naming the original.
    private func repeated(_ request: AppendRequest, key: String, original stored: [StoredEvent]) throws -> AppendResult {
        guard let first = stored.first else { preconditionFailure("a used key has its events") }
        let same = stored.count == request.events.count
            && zip(stored, request.events).allSatisfy { row, new in
                row.stream == request.stream && row.type == new.event.type.rawValue && row.data == cache.codec.encodeData(new.event)
            }
        guard same else { throw StoreError.idempotencyKeyReused(key: key, originalPosition: first.position) }
        return AppendResult(firstPosition: first.position, lastPosition: first.position + Int64(stored.count) - 1,
                            streamVersion: stored[stored.count - 1].version, alreadyExisted: true)
    }
}

/// The ledger as the command handler reads it while a batch is decided:
/// the writer's cache, this batch's answers and what its earlier requests
/// recorded. A read that was not loaded throws ``MissingRead``.
struct BatchReader: LedgerReader {
    let attempt: BatchAttempt

    func jobState(_ jobID: String) throws -> JobState {
        guard let state = attempt.knownJobState(jobID) else { throw MissingRead(.jobState(jobID: jobID)) }
        attempt.noteRead(stream: StreamName.job(jobID))
        return state
    }

    func jobID(provider: String, externalID: String) throws -> String? {
        guard case .some(let owner) = attempt.knownJobID(provider: provider, externalID: externalID) else {
            throw MissingRead(.jobID(provider: provider, externalID: externalID))
        }
        if owner == nil { attempt.noteAbsentFactRead() }
        return owner
    }

    func waitingOrphans(provider: String, externalID: String) throws -> [RecordedEvent] {
        guard let orphans = attempt.waitingOrphans(ExternalKey(provider: provider, externalID: externalID)) else {
            throw MissingRead(.waitingOrphans(provider: provider, externalID: externalID))
        }
        attempt.noteAbsentFactRead()
        return orphans
    }

    func orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String) throws -> Bool {
        let probe = OrphanProbe(key: ExternalKey(provider: provider, externalID: externalID), deliveryID: deliveryID,
                                bodySHA256: bodySHA256)
        guard let recorded = attempt.orphanRecorded(probe) else {
            throw MissingRead(.orphanRecorded(provider: provider, externalID: externalID, deliveryID: deliveryID,
                                              bodySHA256: bodySHA256))
        }
        attempt.noteAbsentFactRead()
        return recorded
    }

    func streamVersion(_ stream: String) throws -> Int64 {
        guard let version = attempt.knownVersion(of: stream) else { throw MissingRead(.streamVersion(stream)) }
        attempt.noteRead(stream: stream)
        return version
    }
}
