import LedgerCore

/// One attempt at deciding a group commit against the writer's cache: the
/// answers loaded for it, what its requests changed so far (later requests
/// of the batch read them), and the rows it prepared. Requests are decided
/// in order, each on the state the ones before it left; a refused request
/// changes nothing (every check comes before the first change).
///
/// Job states are changed in place in the cache (a copy of a job's delivery
/// sets per webhook was once the writer's largest avoidable cost), so an
/// attempt that does not commit must forget the jobs it ``touched``.
final class BatchAttempt {
    let cache: WriteCache
    let options: StoreOptions
    private(set) var prepared: PreparedBatch
    private var head: ChainHead
    private(set) var lastRecordedAt: Timestamp
    /// Jobs whose cached states this attempt changed.
    private(set) var touched: Set<String> = []
    /// Touched jobs in the order they were first changed (their rows, in that order).
    private var dirty: [String] = []
    /// Answers that hold for this batch only: they change without the owner's stream changing.
    private var unowned: Set<ExternalKey> = []
    private var waiting: [ExternalKey: [RecordedEvent]] = [:]
    private var probed: Set<OrphanProbe> = []
    private var matchedProbes: Set<OrphanProbe> = []
    private var keyed: [String: [StoredEvent]] = [:]
    private var keysAsked: Set<String> = []
    /// What this batch's own events change in those answers.
    private(set) var overlay = Overlay()
    /// What the batch's decisions read (``PreparedBatch/Rebase``).
    private var readStreams: Set<String> = []
    private var readsAbsentFacts = false
    /// False once the batch holds something that cannot move to other positions.
    private var movable = true
    /// False once the batch holds an event whose time a projection keeps
    /// other than as the job's last event (a registration, a submission).
    private var timeFlexible = true

    struct Overlay {
        var owners: [ExternalKey: String] = [:]
        var streamVersions: [String: Int64] = [:]
        var orphans: [ExternalKey: [RecordedEvent]] = [:]
        var orphanDeliveries: Set<[String]> = []
        var adopted: Set<Int64> = []
        var keyed: [String: [StoredEvent]] = [:]
    }

    init(cache: WriteCache, options: StoreOptions, fence: Lease?, queuedSince: ContinuousClock.Instant) {
        guard let head = cache.head else { preconditionFailure("a batch is decided against a known head") }
        self.cache = cache
        self.options = options
        self.head = head.head
        lastRecordedAt = head.recordedAt
        prepared = PreparedBatch(expected: head.head)
        prepared.fence = fence
        prepared.queuedSince = queuedSince
    }

    /// The head after what this attempt prepared.
    var preparedHead: HeadState { HeadState(head: head, recordedAt: lastRecordedAt) }

    /// The next `recorded_at`: the clock, but never earlier than the last one,
    /// so that time order and position order agree (across nodes too: the
    /// head's time comes with it).
    func now() -> Timestamp {
        let clock = options.clock()
        return clock > lastRecordedAt ? clock : lastRecordedAt
    }

    /// Ends the attempt: the job rows it changed, without their delivery
    /// sets, and whether the batch may move to later positions.
    func finish() {
        prepared.jobs = dirty.compactMap { jobID in
            guard var row = cache.jobs[jobID], row.isRegistered else { return nil }
            row.forgetDeliveries()
            return row
        }
        if movable, !prepared.projections.namesPositions {
            prepared.rebase = PreparedBatch.Rebase(readStreams: readStreams.sorted(), readsAbsentFacts: readsAbsentFacts,
                                                   timeFlexible: timeFlexible)
        }
    }

    /// A read a decision rests on: the stream's state or version.
    func noteRead(stream: String) { readStreams.insert(stream) }

    /// A decision rests on something being absent (no owner, no such orphan).
    func noteAbsentFactRead() { readsAbsentFacts = true }

    /// The batch holds something whose bytes depend on its positions.
    func noteImmovable() { movable = false }
}

// MARK: - Reads

extension BatchAttempt: KnownLedger {
    func knownJobState(_ jobID: String) -> JobState? { cache.jobs[jobID] }

    func knownJobID(provider: String, externalID: String) -> String?? {
        let key = ExternalKey(provider: provider, externalID: externalID)
        if let owner = overlay.owners[key] ?? cache.owners[key] { return .some(owner) }
        return unowned.contains(key) ? .some(nil) : nil
    }

    /// Whether `lookup` can be answered without reading.
    func knows(_ lookup: Lookup) -> Bool {
        switch lookup {
        case .jobState(let jobID): cache.jobs[jobID] != nil
        case .jobID(let provider, let externalID): knownJobID(provider: provider, externalID: externalID) != nil
        case .waitingOrphans(let provider, let externalID): waiting[ExternalKey(provider: provider, externalID: externalID)] != nil
        case .orphanRecorded(let provider, let externalID, let deliveryID, let bodySHA256):
            probed.contains(OrphanProbe(key: ExternalKey(provider: provider, externalID: externalID), deliveryID: deliveryID,
                                        bodySHA256: bodySHA256))
        case .streamVersion(let stream): knownVersion(of: stream) != nil
        }
    }

    /// What `write` reads that is not known yet.
    func missingReads(of write: WriteRequest) -> ReadSet {
        var reads = ReadSet()
        switch write {
        case .execute(let request):
            for lookup in CommandHandler.reads(request, known: self) where !knows(lookup) { reads.insert(lookup) }
        case .append(let request):
            let version: Lookup = StreamName.jobID(of: request.stream).map { .jobState(jobID: $0) } ?? .streamVersion(request.stream)
            if !knows(version) { reads.insert(version) }
            if let key = request.idempotencyKey, !keysAsked.contains(key), overlay.keyed[key] == nil {
                reads.idempotencyKeys[key] = request.events.count
            }
        }
        return reads
    }

    /// Takes in what a dialect read: job states, owners and stream versions
    /// stay in the cache for later batches, the rest holds for this batch.
    func absorb(_ answers: ReadAnswers, asked reads: ReadSet) throws(StoreError) {
        for jobID in reads.jobStreams where cache.jobs[jobID] == nil {
            try cache.absorb(jobID: jobID, stream: answers.jobStreams[jobID] ?? [])
        }
        for key in reads.owners {
            if let owner = answers.owners[key] { cache.owners[key] = owner } else { unowned.insert(key) }
        }
        for key in reads.waitingOrphans {
            var orphans: [RecordedEvent] = []
            for stored in answers.waitingOrphans[key] ?? [] { orphans.append(try Self.decode(stored, cache.codec)) }
            waiting[key] = orphans
        }
        probed.formUnion(reads.orphanProbes)
        matchedProbes.formUnion(answers.recordedOrphans)
        for stream in reads.streamVersions where cache.streamVersions[stream] == nil {
            cache.streamVersions[stream] = answers.streamVersions[stream] ?? 0
        }
        keysAsked.formUnion(reads.idempotencyKeys.keys)
        for (key, stored) in answers.idempotencyKeys { keyed[key] = stored }
    }

    static func decode(_ stored: StoredEvent, _ codec: EventCodec) throws(StoreError) -> RecordedEvent {
        do {
            return try stored.decoded(with: codec)
        } catch {
            throw .corrupt("event at position \(stored.position): \(error)")
        }
    }

    func knownVersion(of stream: String) -> Int64? {
        if let jobID = StreamName.jobID(of: stream) { return cache.jobs[jobID]?.version }
        return overlay.streamVersions[stream] ?? cache.streamVersions[stream]
    }

    func waitingOrphans(_ key: ExternalKey) -> [RecordedEvent]? {
        guard let loaded = waiting[key] else { return nil }
        return (loaded + (overlay.orphans[key] ?? [])).filter { !overlay.adopted.contains($0.position) }
    }

    func orphanRecorded(_ probe: OrphanProbe) -> Bool? {
        guard probed.contains(probe) else { return nil }
        return matchedProbes.contains(probe)
            || overlay.orphanDeliveries.contains([probe.key.provider, probe.key.externalID, "delivery", probe.deliveryID])
            || overlay.orphanDeliveries.contains([probe.key.provider, probe.key.externalID, "body", probe.bodySHA256])
    }

    /// The events the first append with `key` stored, if the key was used (nil: not read yet).
    func original(forKey key: String) -> [StoredEvent]?? {
        if let mine = overlay.keyed[key] { return .some(mine) }
        guard keysAsked.contains(key) else { return nil }
        return .some(keyed[key])
    }
}

// MARK: - Recording

extension BatchAttempt {
    /// Appends `events` to `stream` after `version`: chains and encodes them,
    /// adds what they change to the projections and folds them into the cached
    /// job state. The caller has checked the version and validated the events.
    func record(_ events: [NewEvent], stream: String, after version: Int64, idempotencyKey: String?) throws(StoreError) -> [RecordedEvent] {
        let jobID = StreamName.jobID(of: stream)
        noteRead(stream: stream)
        if jobID == nil || idempotencyKey != nil { noteImmovable() }
        // Out of the cache while it changes: the only reference, so folding changes it in place.
        var state = jobID.map { cache.jobs.removeValue(forKey: $0) ?? JobState(jobID: $0) }
        if let jobID, touched.insert(jobID).inserted { dirty.append(jobID) }
        let at = now()
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(events.count)
        for (offset, new) in events.enumerated() {
            let event = RecordedEvent(position: head.position + 1, stream: stream, version: version + Int64(offset) + 1,
                                      event: new.event, recordedAt: at, metadata: new.metadata)
            let row = StoredEvent(chaining: event, after: head.hash, idempotencyKey: offset == 0 ? idempotencyKey : nil,
                                  codec: cache.codec)
            prepared.events.append(row)
            head = ChainHead(position: row.position, hash: row.hash)
            if new.event.mentionsPositions || new.metadata.causationPosition != nil { noteImmovable() }
            switch new.event {
            case .jobRegistered, .jobSubmitted: timeFlexible = false
            default: break
            }
            try prepared.projections.add(event, jobBefore: state)
            note(event, jobID: jobID, provider: state?.provider)
            state?.apply(event)
            recorded.append(event)
        }
        if let jobID { cache.jobs[jobID] = state } else { overlay.streamVersions[stream] = version + Int64(events.count) }
        if let idempotencyKey { overlay.keyed[idempotencyKey] = Array(prepared.events.suffix(events.count)) }
        lastRecordedAt = at
        return recorded
    }

    /// What a recorded event changes in the answers later requests of the batch read.
    private func note(_ event: RecordedEvent, jobID: String?, provider: String?) {
        if let jobID {
            switch event.event {
            case .jobRegistered(let registered):
                if let externalID = registered.externalID {
                    overlay.owners[ExternalKey(provider: registered.provider, externalID: externalID)] = jobID
                }
            case .jobSubmitted(let submitted):
                if let provider { overlay.owners[ExternalKey(provider: provider, externalID: submitted.externalID)] = jobID }
            case .webhookReceived(let webhook):
                if let orphan = webhook.adoptedFrom { overlay.adopted.insert(orphan) }
            default:
                break
            }
        } else if let orphanProvider = StreamName.orphanProvider(of: event.stream), case .webhookReceived(let webhook) = event.event {
            let key = ExternalKey(provider: orphanProvider, externalID: webhook.externalID)
            overlay.orphans[key, default: []].append(event)
            overlay.orphanDeliveries.insert([key.provider, key.externalID, "delivery", webhook.deliveryID])
            overlay.orphanDeliveries.insert([key.provider, key.externalID, "body", webhook.bodySHA256])
        }
    }
}

extension JobState {
    /// The state without the sets of seen deliveries: what a projection row
    /// and a caller need, and not a second reference to the cached sets (the
    /// next change would copy them).
    mutating func forgetDeliveries() {
        seenDeliveryIDs = []
        seenBodyHashes = []
    }
}
