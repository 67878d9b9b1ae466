import LedgerCore

/// What a writer keeps in memory between group commits: the head it last
/// committed or saw, its job states, the external ids it knows the owner of,
/// and the last versions of other streams. Everything in it is as committed at
/// ``head``; a batch decided against it commits only if the head has not moved
/// (``WriteDialect``), and when it has, ``bringForward(_:)`` folds in the
/// other writers' events instead of reading streams again.
///
/// Used by one task at a time: the writer's drain, one batch at a time, or
/// the task deciding a batch under the chain lock, which the drain waits for
/// (or, past its bound, leaves this instance to: ``LockedDecision``).
final class WriteCache: @unchecked Sendable {
    /// Nil until read, and after any failure (the head is read again first).
    var head: HeadState?
    /// Job states by job id, folded from their streams (an unregistered state for a job with none).
    var jobs: [String: JobState] = [:]
    /// Owners of external ids. An owner never changes once set (the decider
    /// refuses another external id, and one already taken), so answers stay true.
    var owners: [ExternalKey: String] = [:]
    /// Last versions of streams other than job streams (orphans, the ledger's own).
    var streamVersions: [String: Int64] = [:]
    let jobCountMax: Int
    let codec = EventCodec()

    init(jobCountMax: Int) {
        self.jobCountMax = jobCountMax
    }

    /// Forgets everything: the next batch reads the head and what it needs again.
    func reset() {
        head = nil
        jobs.removeAll()
        owners.removeAll()
        streamVersions.removeAll()
    }

    /// Keeps memory bounded between batches (never during one: its states are in use).
    func trim() {
        if jobs.count > jobCountMax { jobs.removeAll(keepingCapacity: true) }
        if owners.count > jobCountMax { owners.removeAll(keepingCapacity: true) }
        if streamVersions.count > jobCountMax { streamVersions.removeAll(keepingCapacity: true) }
    }

    /// Folds other writers' events into what is held, so it is as committed at
    /// `move.head`: a cached job whose next version arrived applies it, one
    /// that missed a version is forgotten (read again when next needed);
    /// owners and stream versions follow. Too many events: everything is forgotten.
    func bringForward(_ move: HeadMove) {
        // The log behind what this writer saw committed: a commit it counted did not
        // happen (the server stopped after the statement's answer, before its commit),
        // or the database was restored. Nothing cached can be trusted then.
        if let known = head, move.head.head.position < known.head.position {
            reset()
            head = move.head
            return
        }
        guard let foreign = move.foreign else {
            reset()
            head = move.head
            return
        }
        for stored in foreign {
            if let jobID = StreamName.jobID(of: stored.stream) {
                bringForward(jobID: jobID, stored)
            } else if let known = streamVersions[stored.stream] {
                streamVersions[stored.stream] = max(known, stored.version)
            }
        }
        head = move.head
    }

    /// Decodes only what matters here: an event of a cached job, or one that
    /// makes a job the owner of an external id (the other node's events are
    /// as many as this node's own: their decoding is this writer's cost of sharing).
    private func bringForward(jobID: String, _ stored: StoredEvent) {
        let cachedVersion = jobs[jobID]?.version
        let claimsOwner = stored.type == EventType.jobRegistered.rawValue || stored.type == EventType.jobSubmitted.rawValue
        guard cachedVersion != nil || claimsOwner else { return }
        guard let (event, at) = try? stored.decodedForFold(with: codec) else {
            jobs[jobID] = nil
            return
        }
        noteOwner(of: event, jobID: jobID, provider: jobs[jobID]?.provider)
        guard let cachedVersion, stored.version > cachedVersion else { return }
        guard stored.version == cachedVersion + 1 else {
            jobs[jobID] = nil
            return
        }
        var state = jobs.removeValue(forKey: jobID)
        state?.apply(event, version: stored.version, at: at)
        jobs[jobID] = state
    }

    /// An event that makes a job the owner of an external id.
    func noteOwner(of event: LedgerEvent, jobID: String, provider: String?) {
        switch event {
        case .jobRegistered(let registered):
            if let externalID = registered.externalID {
                owners[ExternalKey(provider: registered.provider, externalID: externalID)] = jobID
            }
        case .jobSubmitted(let submitted):
            if let provider { owners[ExternalKey(provider: provider, externalID: submitted.externalID)] = jobID }
        default:
            break
        }
    }

    /// Folds a job's stream read from the log into the cache.
    func absorb(jobID: String, stream: [StoredEvent]) throws(StoreError) {
        let state = try JobState(jobID: jobID, folding: stream, codec: codec)
        if let externalID = state.externalID {
            owners[ExternalKey(provider: state.provider, externalID: externalID)] = jobID
        }
        jobs[jobID] = state
    }
}
