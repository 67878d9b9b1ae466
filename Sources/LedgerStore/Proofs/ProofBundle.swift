import Foundation

/// One event proven to be in the tree a checkpoint signs (RFC 9162 §2.1.3).
public struct InclusionProof: Sendable, Hashable, Codable {
    public var position: Int64
    public var leafIndex: Int64
    public var treeSize: Int64
    /// The event's chain hash (hex): the leaf's input.
    public var eventHash: String
    /// Sibling hashes from the leaf up (hex).
    public var auditPath: [String]
    /// The event as stored (as `ledger export` writes it): its chain hash
    /// recomputes to `event_hash`, so what the event says is proven too.
    public var event: StoredEvent?

    enum CodingKeys: String, CodingKey {
        case position, leafIndex = "leaf_index", treeSize = "tree_size", eventHash = "event_hash", auditPath = "audit_path", event
    }

    public init(position: Int64, treeSize: Int64, eventHash: String, auditPath: [MerkleHash], event: StoredEvent?) {
        self.position = position
        leafIndex = position - 1
        self.treeSize = treeSize
        self.eventHash = eventHash
        self.auditPath = auditPath.map(\.hex)
        self.event = event
    }
}

/// What `ledger prove JOB_ID` and `GET /v1/jobs/{id}/proof` answer: every
/// event of the job proven against one signed checkpoint.
public struct InclusionBundle: Sendable, Hashable, Codable {
    public var jobID: String?
    /// The signed note's text.
    public var checkpoint: String
    public var proofs: [InclusionProof]
    /// The job's events after the checkpoint's tree size: proven by a later checkpoint.
    public var notYetCheckpointed: [Int64]?

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", checkpoint, proofs, notYetCheckpointed = "not_yet_checkpointed"
    }

    public init(jobID: String?, checkpoint: String, proofs: [InclusionProof], notYetCheckpointed: [Int64]) {
        self.jobID = jobID
        self.checkpoint = checkpoint
        self.proofs = proofs
        self.notYetCheckpointed = notYetCheckpointed.isEmpty ? nil : notYetCheckpointed
    }
}

/// What `ledger prove --consistency` answers: the tree of `second_size`
/// extends the tree of `first_size` (RFC 9162 §2.1.4).
public struct ConsistencyBundle: Sendable, Hashable, Codable {
    public var firstSize: Int64
    public var firstRoot: String
    public var secondSize: Int64
    public var secondRoot: String
    public var path: [String]
    /// The newer signed note.
    public var checkpoint: String
    /// The older signed note, when the proof started from one.
    public var firstCheckpoint: String?

    enum CodingKeys: String, CodingKey {
        case firstSize = "first_size", firstRoot = "first_root", secondSize = "second_size", secondRoot = "second_root", path,
             checkpoint, firstCheckpoint = "first_checkpoint"
    }

    public init(firstSize: Int64, firstRoot: MerkleHash, secondSize: Int64, secondRoot: MerkleHash, path: [MerkleHash],
                checkpoint: String, firstCheckpoint: String?) {
        self.firstSize = firstSize
        self.firstRoot = firstRoot.hex
        self.secondSize = secondSize
        self.secondRoot = secondRoot.hex
        self.path = path.map(\.hex)
        self.checkpoint = checkpoint
        self.firstCheckpoint = firstCheckpoint
    }
}

extension JSONEncoder {
    /// How proofs are printed and served: sorted keys, no escaped slashes.
    public static var proofs: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }
}
