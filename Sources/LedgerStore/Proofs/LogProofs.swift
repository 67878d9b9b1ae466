import Foundation
import LedgerCore

/// Why a proof could not be made, in words for the person who asked.
public enum ProofFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// No checkpoint has been written yet and no key is at hand to write one.
    case noCheckpoint
    case unknownJob(String)
    case noEvent(position: Int64, headPosition: Int64)
    /// A checkpoint given by the caller that this log does not extend (or that is not this log's).
    case notExtended(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .noCheckpoint:
            "no checkpoint has been written yet: set LEDGER_CHECKPOINT_KEY for serve, or run ledger checkpoint"
        case .unknownJob(let jobID): "no job \(jobID.debugDescription) in the log"
        case .noEvent(let position, let head): "no event at position \(position): the log ends at \(head)"
        case .notExtended(let detail): detail
        case .unreadable(let detail): detail
        }
    }
}

/// Proofs over the log's Merkle tree, written once for every engine: signed
/// checkpoints (C2SP notes), inclusion proofs of a job's events or one
/// position, and consistency proofs between two checkpoints.
///
/// ```swift
/// let proofs = LogProofs(engine)
/// let note = try await proofs.checkpoint(signer: signer, origin: nil)
/// let bundle = try await proofs.proveJob("42", against: note)
/// ```
public struct LogProofs: Sendable {
    /// What proving reads: the log as stored and its tree.
    public typealias Engine = LogReads & TreeStorage & CheckpointStorage
    let engine: any Engine
    let tree: LogTree

    public init(_ engine: any Engine) {
        self.engine = engine
        tree = LogTree(storage: engine)
    }

    /// The log's origin line: `configured`, or a name from its first event.
    public func origin(configured: String?) async throws -> String {
        if let configured { return configured }
        guard let first = try await engine.events(after: 0, limit: 1).first else {
            throw ProofFailure.unreadable("the log is empty: there is nothing to checkpoint yet")
        }
        return TreeCheckpoint.defaultOrigin(firstEventHash: first.hash)
    }

    /// Signs a checkpoint of the log as it is now and keeps it.
    public func checkpoint(signer: NoteSigner, origin configured: String?) async throws -> String {
        let head = try await engine.head()
        guard head.position > 0 else { throw ProofFailure.unreadable("the log is empty: there is nothing to checkpoint yet") }
        let origin = try await origin(configured: configured)
        let root = try await tree.root(size: head.position)
        let note = try TreeCheckpoint(origin: origin, size: head.position, root: root, chainHead: head.hash).signed(by: signer)
        try await engine.saveCheckpoint(note, size: head.position)
        return note
    }

    /// The newest kept checkpoint; a new one first when `signer` is given
    /// and the newest does not reach `position` (or there is none).
    public func newestCheckpoint(reaching position: Int64 = 0, signer: NoteSigner?, origin: String?) async throws -> String {
        let newest = try await engine.newestCheckpoint()
        if let newest, try signer == nil || (Self.read(newest).size >= position && Self.isSigned(newest, by: signer)) { return newest }
        guard let signer else { throw ProofFailure.noCheckpoint }
        return try await checkpoint(signer: signer, origin: origin)
    }

    /// A new checkpoint when the log has grown past the newest kept one
    /// (serve's interval); nil when it has not.
    public func checkpointIfGrown(signer: NoteSigner, origin: String?) async throws -> String? {
        let head = try await engine.head().position
        guard head > 0 else { return nil }  // an empty log has nothing to sign yet, and nothing is wrong
        if let newest = try await engine.newestCheckpoint(), try Self.read(newest).size >= head, Self.isSigned(newest, by: signer) {
            return nil
        }
        return try await checkpoint(signer: signer, origin: origin)
    }

    /// The key names signing the newest kept checkpoint when `signer` is not
    /// among them (a rotation; said at every interval, nodes configured with
    /// different keys, whose checkpoints then alternate), else nil.
    public func newestSignedByOthers(than signer: NoteSigner) async throws -> [String]? {
        guard let newest = try await engine.newestCheckpoint(), !Self.isSigned(newest, by: signer) else { return nil }
        // Each signature line is "— <key name> <base64>".
        return try SignedNote.split(newest).signatures.compactMap { $0.split(separator: " ").dropFirst().first.map(String.init) }
    }

    /// Whether `note` carries `signer`'s signature: after a key rotation the
    /// newest kept checkpoint may be the old key's, which customers holding
    /// only the new verifier key cannot check, so a new one is signed.
    static func isSigned(_ note: String, by signer: NoteSigner?) -> Bool {
        guard let signer else { return true }
        return (try? TreeCheckpoint.open(note, verifier: signer.verifier)) != nil
    }

    /// Every event of the job proven against `note` (those after its size listed as not yet checkpointed).
    public func proveJob(_ jobID: String, against note: String) async throws -> InclusionBundle {
        let events = try await engine.events(inStream: StreamName.job(jobID))
        guard !events.isEmpty else { throw ProofFailure.unknownJob(jobID) }
        let checkpoint = try await matching(note)
        var proofs: [InclusionProof] = []
        for event in events where event.position <= checkpoint.size {
            proofs.append(try await prove(event, in: checkpoint))
        }
        return InclusionBundle(jobID: jobID, checkpoint: note, proofs: proofs,
                               notYetCheckpointed: events.map(\.position).filter { $0 > checkpoint.size })
    }

    /// The event at `position` proven against `note`.
    public func provePosition(_ position: Int64, against note: String) async throws -> InclusionBundle {
        let checkpoint = try await matching(note)
        guard position >= 1, position <= checkpoint.size,
              let event = try await engine.events(after: position - 1, limit: 1).first, event.position == position else {
            throw ProofFailure.noEvent(position: position, headPosition: checkpoint.size)
        }
        return InclusionBundle(jobID: nil, checkpoint: note, proofs: [try await prove(event, in: checkpoint)],
                               notYetCheckpointed: [])
    }

    /// The tree `note` signs extends the tree the older checkpoint `firstNote`
    /// signs; fails naming the older size when it does not.
    public func proveConsistency(from firstNote: String, to note: String) async throws -> ConsistencyBundle {
        let first = try Self.read(firstNote)
        let firstSize = first.size
        let second = try await matching(note)
        guard first.origin == second.origin else {
            throw ProofFailure.notExtended("the older checkpoint names the log \(first.origin), this log's checkpoint \(second.origin)")
        }
        guard firstSize >= 1, firstSize <= second.size else {
            throw ProofFailure.notExtended("the older checkpoint's tree size \(firstSize) is not within this log's checkpoint of size \(second.size)")
        }
        let ours = try await tree.root(size: firstSize)
        guard first.root == ours else { throw try await disagreement(with: first, "the root at tree size \(firstSize)") }
        let path = try await tree.consistencyPath(from: firstSize, to: second.size)
        guard MerkleTree.verifyConsistency(from: firstSize, to: second.size, fromRoot: ours, toRoot: second.root, path: path) else {
            throw try await disagreement(with: first, "the consistency proof from tree size \(firstSize)")
        }
        return ConsistencyBundle(firstSize: firstSize, firstRoot: ours, secondSize: second.size, secondRoot: second.root,
                                 path: path, checkpoint: note, firstCheckpoint: firstNote)
    }

    /// Checked before it is handed out, as its reader will check it: a wrong
    /// stored subtree on the path would otherwise leave here as a proof that
    /// fails at the customer's end, reading as a rewritten history.
    private func prove(_ event: StoredEvent, in checkpoint: TreeCheckpoint) async throws -> InclusionProof {
        let path = try await tree.inclusionPath(leaf: event.position - 1, size: checkpoint.size)
        guard let leaf = MerkleHash.leaf(chainHash: event.hash),
              MerkleTree.verifyInclusion(leaf: event.position - 1, size: checkpoint.size, leafHash: leaf, path: path,
                                         root: checkpoint.root) else {
            throw try await disagreement(with: checkpoint, "the proof of position \(event.position)")
        }
        return InclusionProof(position: event.position, treeSize: checkpoint.size, eventHash: event.hash, auditPath: path, event: event)
    }

    /// Why the log does not extend the checkpoint `note` signs, or nil when it does (`ledger verify --checkpoint`).
    public func contradiction(of note: String) async throws -> String? {
        do {
            _ = try await matching(note)
            return nil
        } catch let failure as ProofFailure {
            return failure.description
        }
    }

    /// The checkpoint a note carries, once its root is this log's at its size.
    private func matching(_ note: String) async throws -> TreeCheckpoint {
        let checkpoint = try Self.read(note)
        let head = try await engine.head()
        guard checkpoint.size <= head.position else {
            throw ProofFailure.notExtended("the checkpoint's tree size \(checkpoint.size) is past this log's end (\(head.position)): it is another log's, or this log restored from a backup taken before it (its events past \(head.position) are lost to this database)")
        }
        guard try await tree.root(size: checkpoint.size) == checkpoint.root else {
            throw try await disagreement(with: checkpoint, "this log's root at tree size \(checkpoint.size)")
        }
        return checkpoint
    }

    /// What the stored tree made (`what`) does not agree with `checkpoint`'s
    /// signed root: the chain decides. When it still gives that root, the
    /// stored tree is damaged (derived data, rebuilt from the chain). When it
    /// does not, the history under the checkpoint was rewritten, or the log is
    /// another's: the stored tree may be the last witness of the original, so
    /// nothing is to be rebuilt.
    private func disagreement(with checkpoint: TreeCheckpoint, _ what: String) async throws -> any Error {
        if try await tree.chainRoot(size: checkpoint.size) == checkpoint.root {
            return StoreError.damagedTree("\(what) made from it is not what the chain gives for the checkpoint of tree size \(checkpoint.size)")
        }
        return ProofFailure.notExtended("this log's chain does not give the root the checkpoint of tree size \(checkpoint.size) signed: "
            + "history under it was rewritten, or it is another log's. Keep this database as it is (do not run `ledger rebuild --tree`: "
            + "the stored tree may still hold the original hashes) and compare it with a backup (docs/runbooks.md)")
    }

    /// A note's checkpoint, its signature not checked (the engine trusts its own notes; check-proof checks).
    public static func read(_ note: String) throws -> TreeCheckpoint {
        do {
            return try TreeCheckpoint(text: SignedNote.unverifiedText(note))
        } catch {
            throw ProofFailure.unreadable("not a checkpoint note: \(error)")
        }
    }
}
