import LedgerCore

/// A provider's external id: the key of job ownership and of orphans.
public struct ExternalKey: Hashable, Sendable {
    public var provider: String
    public var externalID: String

    public init(provider: String, externalID: String) {
        self.provider = provider
        self.externalID = externalID
    }
}

/// "Was an orphan with this delivery id or body recorded for this external id?"
public struct OrphanProbe: Hashable, Sendable {
    public var key: ExternalKey
    public var deliveryID: String
    public var bodySHA256: String

    public init(key: ExternalKey, deliveryID: String, bodySHA256: String) {
        self.key = key
        self.deliveryID = deliveryID
        self.bodySHA256 = bodySHA256
    }
}

/// What a batch must read before it is decided, by kind: a dialect answers
/// each kind with one read for the whole batch (``ReadAnswers``).
public struct ReadSet: Sendable, Hashable {
    /// Jobs whose streams are read and folded.
    public var jobStreams: Set<String> = []
    public var owners: Set<ExternalKey> = []
    public var waitingOrphans: Set<ExternalKey> = []
    public var orphanProbes: Set<OrphanProbe> = []
    /// Streams other than job streams, whose last version is read.
    public var streamVersions: Set<String> = []
    /// Idempotency keys, each with the number of events its append carries.
    public var idempotencyKeys: [String: Int] = [:]

    public init() {}

    public var isEmpty: Bool {
        jobStreams.isEmpty && owners.isEmpty && waitingOrphans.isEmpty && orphanProbes.isEmpty && streamVersions.isEmpty
            && idempotencyKeys.isEmpty
    }

    /// The number of kinds asked for: a dialect that reads over a network
    /// makes one round trip for each.
    public var kindCount: Int {
        [!jobStreams.isEmpty, !owners.isEmpty, !waitingOrphans.isEmpty, !orphanProbes.isEmpty, !streamVersions.isEmpty,
         !idempotencyKeys.isEmpty].filter { $0 }.count
    }

    mutating func formUnion(_ other: ReadSet) {
        jobStreams.formUnion(other.jobStreams)
        owners.formUnion(other.owners)
        waitingOrphans.formUnion(other.waitingOrphans)
        orphanProbes.formUnion(other.orphanProbes)
        streamVersions.formUnion(other.streamVersions)
        idempotencyKeys.merge(other.idempotencyKeys) { max($0, $1) }
    }

    mutating func insert(_ lookup: Lookup) {
        switch lookup {
        case .jobState(let jobID): jobStreams.insert(jobID)
        case .jobID(let provider, let externalID): owners.insert(ExternalKey(provider: provider, externalID: externalID))
        case .waitingOrphans(let provider, let externalID):
            waitingOrphans.insert(ExternalKey(provider: provider, externalID: externalID))
        case .orphanRecorded(let provider, let externalID, let deliveryID, let bodySHA256):
            orphanProbes.insert(OrphanProbe(key: ExternalKey(provider: provider, externalID: externalID),
                                            deliveryID: deliveryID, bodySHA256: bodySHA256))
        case .streamVersion(let stream): streamVersions.insert(stream)
        }
    }
}

/// A dialect's answers to a ``ReadSet``, read from what is committed.
public struct ReadAnswers: Sendable {
    /// Each asked job's stream in version order (empty for a job with none).
    public var jobStreams: [String: [StoredEvent]] = [:]
    /// The owner of each asked external id that has one.
    public var owners: [ExternalKey: String] = [:]
    /// The waiting (not adopted) orphans of each asked external id, in position order.
    public var waitingOrphans: [ExternalKey: [StoredEvent]] = [:]
    /// The probes that matched a recorded orphan.
    public var recordedOrphans: Set<OrphanProbe> = []
    /// The last version of each asked stream that has events.
    public var streamVersions: [String: Int64] = [:]
    /// For each asked key that was used: the events its append stored, from
    /// its first position, as many as asked for.
    public var idempotencyKeys: [String: [StoredEvent]] = [:]

    public init() {}
}

/// Reads for deciding: a dialect outside any lock, or inside the chain lock's transaction.
public protocol ReadLoader {
    func load(_ reads: ReadSet) async throws -> ReadAnswers
}
