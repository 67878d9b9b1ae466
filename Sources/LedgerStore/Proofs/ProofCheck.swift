import Foundation
import LedgerCore

/// Checks a proof bundle with only a verifier key (`ledger check-proof`):
/// the note's signature, then every audit path or the consistency path
/// against the root it signs. No database, no configuration.
public struct ProofCheck: Sendable {
    /// What was checked, one line each, and what failed.
    public var checked: [String] = []
    public var failures: [String] = []
    /// What holds but does not prove as much as it seems to: read beside `checked`.
    public var notes: [String] = []
    public var holds: Bool { failures.isEmpty && !checked.isEmpty }
    /// The file is not a proof at all (what `check-proof` calls a file it cannot read).
    public var notAProof = false
    private var verifiers: [NoteVerifier] = []
    private var expected = Expected()

    /// What the checker knows beside the verifier key, each optional: the
    /// log's name, published with the key (a checkpoint of another log signed
    /// with the same key proves nothing about this one), and the checkpoint
    /// it kept from before (a proof must start from that very tree, or an
    /// operator could show it another history).
    public struct Expected: Sendable {
        public var origin: String?
        public var keptNote: String?

        public init(origin: String? = nil, keptNote: String? = nil) {
            self.origin = origin
            self.keptNote = keptNote
        }
    }

    /// Checks `json` (an inclusion or a consistency bundle) with `verifier`.
    public static func run(_ json: Data, verifier: NoteVerifier, expected: Expected = Expected()) -> ProofCheck {
        run(json, verifiers: [verifier], expected: expected)
    }

    /// The same with several verifier keys (a key rotation: a consistency
    /// proof from a checkpoint the old key signed to one the new key signed):
    /// each note must carry a signature of one of them.
    public static func run(_ json: Data, verifiers: [NoteVerifier], expected: Expected = Expected()) -> ProofCheck {
        var check = ProofCheck()
        check.verifiers = verifiers
        check.expected = expected
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
                if let origin = expected.origin, checkpoint.origin != origin {
                    failures.append("\(what) names the log \(checkpoint.origin), not \(origin)")
                    return nil
                }
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
        if expected.keptNote != nil {
            guard let kept = openedKept() else { return }
            if kept.size == checkpoint.size {
                guard compare(kept, checkpoint) else { return }
            } else {
                notes.append("the proof is against tree size \(checkpoint.size), your checkpoint's is \(kept.size): that one "
                             + "tree extends the other takes a consistency proof (ledger prove --consistency --from YOUR_CHECKPOINT)")
            }
        }
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
                // Passed the check above: a redacted webhook is the one event whose data may not match.
                if let event = proof.event, BodyRedaction.isRedacted(type: event.type, data: event.data) {
                    notes.append("\(what): its body was redacted by retention; the rest of its data (status, outputs, error) "
                                 + "is not proven by this bundle (ledger verify checks it against the retention run)")
                }
            }
        }
        if bundle.jobID == nil, bundle.proofs.count > 1 {
            // `ledger prove --position` proves one event; several are a job's, and say whose.
            failures.append("the bundle proves \(bundle.proofs.count) events but names no job: whose they are cannot be checked")
        } else if let jobID = bundle.jobID, let failure = Self.jobFailure(jobID, bundle.proofs) {
            failures.append(failure)
        } else if let jobID = bundle.jobID, !bundle.proofs.isEmpty {
            checked.append("the events are job \(jobID)'s, versions 1 to \(bundle.proofs.count) in order, none left out between them")
            let later = (bundle.notYetCheckpointed ?? []).filter { $0 > checkpoint.size }
            notes.append(later.isEmpty
                ? "an inclusion proof cannot show what came after it: events of job \(jobID) after version \(bundle.proofs.count), "
                    + "if any, are not shown (a later bundle shows them)"
                : "\(later.count) later event(s) of job \(jobID) (positions \(later.map(String.init).joined(separator: ", "))) come "
                    + "after the checkpoint: not proven here; ask for the proof again after the next checkpoint")
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
            // Only a webhook's body is redacted (by retention), and then its data no longer matches its
            // digest: the event is in the tree, what its data says is not proven (a note says so).
            // Any other event's data is proven by its digest.
            guard event.dataSHA256 == ChainHasher.digest(event.data) || BodyRedaction.isRedacted(type: event.type, data: event.data) else {
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
        // The older tree is what the proof is about: unsigned, or empty, it proves nothing.
        guard let note = bundle.firstCheckpoint else {
            failures.append("the older tree (size \(bundle.firstSize)) is not signed: the bundle carries no first_checkpoint")
            return
        }
        guard let first = opened(note, "first checkpoint") else { return }
        guard first.origin == second.origin else {
            failures.append("the checkpoints name different logs: \(first.origin) and \(second.origin)")
            return
        }
        guard first.size >= 1 else {
            failures.append("the older checkpoint signs an empty tree: a consistency proof from it proves nothing")
            return
        }
        guard bundle.firstSize == first.size, MerkleHash(hex: bundle.firstRoot) == first.root else {
            failures.append("the proof's first tree (size \(bundle.firstSize)) is not the one the first checkpoint signs (size \(first.size))")
            return
        }
        if expected.keptNote != nil {
            guard let kept = openedKept() else { return }
            guard kept.size == first.size else {
                failures.append("the proof starts from tree size \(first.size), your checkpoint's is \(kept.size): ask for "
                                + "ledger prove --consistency --from YOUR_CHECKPOINT")
                return
            }
            guard compare(kept, first) else { return }
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

    /// The checkpoint the checker kept, opened with the same keys.
    private mutating func openedKept() -> TreeCheckpoint? {
        opened(expected.keptNote ?? "", "your checkpoint")
    }

    /// Two signed checkpoints of one size are the same tree, or the log forked.
    private mutating func compare(_ kept: TreeCheckpoint, _ shown: TreeCheckpoint) -> Bool {
        guard kept.origin == shown.origin else {
            failures.append("your checkpoint names the log \(kept.origin), the proof's \(shown.origin)")
            return false
        }
        guard kept.root == shown.root else {
            failures.append("FORK: your checkpoint and the proof's both sign tree size \(kept.size) of \(kept.origin), with different "
                            + "roots: the log was rewritten since you kept yours (keep both notes: together they are the evidence)")
            return false
        }
        checked.append("the proof's tree of size \(kept.size) is the one your checkpoint signs")
        return true
    }
}
