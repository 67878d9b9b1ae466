import Foundation
import LedgerCore

/// Checks a proof bundle with only a verifier key (`ledger check-proof`):
/// the note's signature, then every audit path or the consistency path
/// against the root it signs. No database, no configuration.
public struct ProofCheck: Sendable {
    /// What was checked, one line each, and what failed.
    public var checked: [String] = []
    public var failures: [String] = []
    public var holds: Bool { failures.isEmpty && !checked.isEmpty }
    /// The file is not a proof at all (what `check-proof` calls a file it cannot read).
    public var notAProof = false
    private var verifiers: [NoteVerifier] = []

    /// Checks `json` (an inclusion or a consistency bundle) with `verifier`.
    public static func run(_ json: Data, verifier: NoteVerifier) -> ProofCheck {
        run(json, verifiers: [verifier])
    }

    /// The same with several verifier keys (a key rotation: a consistency
    /// proof from a checkpoint the old key signed to one the new key signed):
    /// each note must carry a signature of one of them.
    public static func run(_ json: Data, verifiers: [NoteVerifier]) -> ProofCheck {
        var check = ProofCheck()
        check.verifiers = verifiers
        let decoder = JSONDecoder()
        if let bundle = try? decoder.decode(InclusionBundle.self, from: json) {
            check.inclusion(bundle)
        } else if let bundle = try? decoder.decode(ConsistencyBundle.self, from: json) {
            check.consistency(bundle)
        } else {
            check.failures.append("not a proof: expected the JSON of ledger prove (\"checkpoint\" with \"proofs\", or \"path\")")
            check.notAProof = true
        }
        return check
    }

    private mutating func opened(_ note: String, _ what: String) -> TreeCheckpoint? {
        var errors: [String] = []
        for verifier in verifiers {
            do {
                let checkpoint = try TreeCheckpoint.open(note, verifier: verifier)
                checked.append("\(what) signed by \(verifier.name): \(checkpoint.origin), tree size \(checkpoint.size)")
                return checkpoint
            } catch {
                errors.append("\(error)")
            }
        }
        failures.append("\(what): \(errors.joined(separator: "; "))")
        return nil
    }

    private mutating func inclusion(_ bundle: InclusionBundle) {
        guard let checkpoint = opened(bundle.checkpoint, "checkpoint") else { return }
        if bundle.proofs.isEmpty {
            let pending = bundle.notYetCheckpointed ?? []
            // A job newer than the newest checkpoint: nothing is wrong, and nothing is proven yet.
            failures.append(pending.isEmpty ? "the bundle proves no event"
                : "nothing to check yet: the \(pending.count) events (positions \(pending.first!)-\(pending.last!)) come after "
                    + "the checkpoint (tree size \(checkpoint.size)); ask for the proof again after the next checkpoint")
        }
        for proof in bundle.proofs {
            let what = "event at position \(proof.position)"
            if let failure = Self.inclusionFailure(proof, checkpoint) {
                failures.append("\(what): \(failure)")
            } else {
                checked.append("\(what)\(proof.event.map { " (\($0.type))" } ?? ""): in the tree of size \(checkpoint.size)")
            }
        }
        if bundle.jobID == nil, bundle.proofs.count > 1 {
            // `ledger prove --position` proves one event; several are a job's, and say whose.
            failures.append("the bundle proves \(bundle.proofs.count) events but names no job: whose they are cannot be checked")
        } else if let jobID = bundle.jobID, let failure = Self.jobFailure(jobID, bundle.proofs) {
            failures.append(failure)
        } else if let jobID = bundle.jobID, !bundle.proofs.isEmpty {
            checked.append("the events are job \(jobID)'s, versions 1 to \(bundle.proofs.count) with none left out")
        }
    }

    /// A job's bundle shows the job's own events (its stream), from its
    /// registration on with no version left out: each proof alone says only
    /// that some event is in the log, so without this one job's refund could
    /// be shown under another job's name, or a recharge between two events
    /// left out. (Events after the last one shown cannot be seen missing
    /// from inclusion proofs; a later bundle shows them.)
    static func jobFailure(_ jobID: String, _ proofs: [InclusionProof]) -> String? {
        let stream = StreamName.job(jobID)
        var expected: Int64 = 1, lastPosition: Int64 = 0
        for proof in proofs {
            guard let event = proof.event else { return "the event at position \(proof.position) is not shown: whose it is cannot be checked" }
            guard event.stream == stream else {
                return "the event at position \(proof.position) is in stream \(event.stream), not job \(jobID)'s (\(stream))"
            }
            guard event.version == expected, proof.position > lastPosition else {
                return "job \(jobID)'s events are not all here in order: version \(event.version) at position \(proof.position) "
                    + "where version \(expected) was due"
            }
            expected += 1
            lastPosition = proof.position
        }
        return nil
    }

    static func inclusionFailure(_ proof: InclusionProof, _ checkpoint: TreeCheckpoint) -> String? {
        guard proof.treeSize == checkpoint.size else {
            return "proven for tree size \(proof.treeSize), but the checkpoint signs size \(checkpoint.size)"
        }
        guard proof.leafIndex == proof.position - 1, proof.leafIndex >= 0, proof.leafIndex < proof.treeSize else {
            return "leaf \(proof.leafIndex) is not position \(proof.position) in a tree of \(proof.treeSize)"
        }
        guard let eventHash = MerkleHash(hex: proof.eventHash) else { return "event_hash is not 64 hex digits" }
        let path = proof.auditPath.compactMap(MerkleHash.init(hex:))
        guard path.count == proof.auditPath.count else { return "an audit path element is not 64 hex digits" }
        guard MerkleTree.verifyInclusion(leaf: proof.leafIndex, size: proof.treeSize, leafHash: .leaf(eventHash.bytes),
                                         path: path, root: checkpoint.root) else {
            return "the audit path does not lead to the checkpoint's root"
        }
        if let event = proof.event {
            guard event.position == proof.position, event.hash == proof.eventHash,
                  ChainHasher.hash(of: event) == proof.eventHash else {
                return "the event shown does not hash to event_hash"
            }
            // A body redacted by retention no longer matches its digest; the rest of the event is proven.
            guard event.dataSHA256 == ChainHasher.digest(event.data) || BodyRedaction.isRedacted(event.data) else {
                return "the event's data does not match its recorded digest"
            }
        }
        return nil
    }

    private mutating func consistency(_ bundle: ConsistencyBundle) {
        guard let second = opened(bundle.checkpoint, "checkpoint") else { return }
        guard bundle.secondSize == second.size, MerkleHash(hex: bundle.secondRoot) == second.root else {
            failures.append("the proof's second tree (size \(bundle.secondSize)) is not the one the checkpoint signs (size \(second.size))")
            return
        }
        if let note = bundle.firstCheckpoint {
            guard let first = opened(note, "first checkpoint") else { return }
            guard first.origin == second.origin else {
                failures.append("the checkpoints name different logs: \(first.origin) and \(second.origin)")
                return
            }
            guard bundle.firstSize == first.size, MerkleHash(hex: bundle.firstRoot) == first.root else {
                failures.append("the proof's first tree (size \(bundle.firstSize)) is not the one the first checkpoint signs (size \(first.size))")
                return
            }
        }
        let path = bundle.path.compactMap(MerkleHash.init(hex:))
        guard let firstRoot = MerkleHash(hex: bundle.firstRoot), path.count == bundle.path.count else {
            failures.append("a root or path element is not 64 hex digits")
            return
        }
        guard bundle.firstSize <= bundle.secondSize,
              MerkleTree.verifyConsistency(from: bundle.firstSize, to: bundle.secondSize, fromRoot: firstRoot,
                                           toRoot: second.root, path: path) else {
            failures.append("the tree of size \(bundle.secondSize) does not extend the tree of size \(bundle.firstSize): history was rewritten, or the path was altered")
            return
        }
        checked.append("the tree of size \(bundle.secondSize) extends the tree of size \(bundle.firstSize)")
    }
}
