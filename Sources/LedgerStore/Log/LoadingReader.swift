import LedgerCore

/// What the command handler may ask of the ledger (``LedgerReader``), as a value.
public enum Lookup: Hashable, Sendable {
    case jobState(jobID: String)
    case jobID(provider: String, externalID: String)
    case waitingOrphans(provider: String, externalID: String)
    case orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String)
    case streamVersion(String)
}

/// The answer to a ``Lookup``.
public enum LookupAnswer: Sendable {
    case jobState(JobState)
    case jobID(String?)
    case orphans([RecordedEvent])
    case flag(Bool)
    case version(Int64)
}

/// Handles a request for an engine whose reads are asynchronous (the
/// handler is pure and synchronous): the handler runs against the answers
/// loaded so far, and each question it asks first is loaded and the handler
/// run again. A webhook asks two or three questions; the handler is cheap
/// beside a round trip to the database.
public func handleLoading(_ request: LedgerRequest, context: DecisionContext,
                          load: (Lookup) async throws -> LookupAnswer) async throws -> CommandPlan {
    var reader = LoadedReader()
    while true {
        do {
            return try CommandHandler.handle(request, context: context, reader: reader)
        } catch let missing as MissingLookup {
            precondition(reader.answers[missing.lookup] == nil, "a loaded answer is never asked for again")
            reader.answers[missing.lookup] = try await load(missing.lookup)
        }
    }
}

struct MissingLookup: Error {
    let lookup: Lookup
}

/// Answers what was loaded; anything else throws ``MissingLookup``.
struct LoadedReader: LedgerReader {
    var answers: [Lookup: LookupAnswer] = [:]

    private func answer(_ lookup: Lookup) throws -> LookupAnswer {
        guard let answer = answers[lookup] else { throw MissingLookup(lookup: lookup) }
        return answer
    }

    func jobState(_ jobID: String) throws -> JobState {
        guard case .jobState(let state) = try answer(.jobState(jobID: jobID)) else { preconditionFailure("answer kind") }
        return state
    }

    func jobID(provider: String, externalID: String) throws -> String? {
        guard case .jobID(let jobID) = try answer(.jobID(provider: provider, externalID: externalID)) else {
            preconditionFailure("answer kind")
        }
        return jobID
    }

    func waitingOrphans(provider: String, externalID: String) throws -> [RecordedEvent] {
        guard case .orphans(let orphans) = try answer(.waitingOrphans(provider: provider, externalID: externalID)) else {
            preconditionFailure("answer kind")
        }
        return orphans
    }

    func orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String) throws -> Bool {
        let lookup = Lookup.orphanRecorded(provider: provider, externalID: externalID, deliveryID: deliveryID, bodySHA256: bodySHA256)
        guard case .flag(let recorded) = try answer(lookup) else { preconditionFailure("answer kind") }
        return recorded
    }

    func streamVersion(_ stream: String) throws -> Int64 {
        guard case .version(let version) = try answer(.streamVersion(stream)) else { preconditionFailure("answer kind") }
        return version
    }
}
