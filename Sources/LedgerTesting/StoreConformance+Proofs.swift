import Foundation
import LedgerCore
import LedgerStore

extension StoreConformance {
    /// The Merkle tree over the log (RFC 9162), its follower, checkpoints as
    /// signed notes and the proofs made from them, on every engine.
    static let proofChecks: [Check<any LedgerEngine>] = [
        Check(name: "the Merkle tree follows the log, and its roots and proofs hold at every size") { store in
            try await appendConcurrently(store, count: 300)
            let head = try await store.head().position
            try await waitForFollower(store, toReach: TreeFollower.leavesPerExtensionMin)
            let leaves = try await store.events(after: 0, limit: 1_000).map { event in
                try leafHash(event.hash)
            }
            let tree = LogTree(storage: store)
            for size in 1...head {
                let root = try await tree.root(size: size)
                try expect(root == ReferenceTree.root(Array(leaves[0..<Int(size)])), "the root of size \(size)")
            }
            for leaf in 0..<head {
                let path = try await tree.inclusionPath(leaf: leaf, size: head)
                try expect(MerkleTree.verifyInclusion(leaf: leaf, size: head, leafHash: leaves[Int(leaf)], path: path,
                                                      root: ReferenceTree.root(leaves)), "leaf \(leaf) in \(head)")
            }
            for (from, to) in [(1, head), (16, 17), (31, 64), (64, 65), (100, head), (255, 257), (head - 1, head)] {
                let path = try await tree.consistencyPath(from: from, to: to)
                try expect(MerkleTree.verifyConsistency(from: from, to: to, fromRoot: ReferenceTree.root(Array(leaves[0..<Int(from)])),
                                                        toRoot: ReferenceTree.root(Array(leaves[0..<Int(to)])), path: path),
                           "\(from) -> \(to)")
            }
        },
        Check(name: "a stored tree holding a wrong subtree is rebuilt from the chain (ledger rebuild --tree)") { store in
            try await appendConcurrently(store, count: 300)
            let head = try await store.head().position
            let tree = LogTree(storage: store)
            try await tree.extend(to: head)
            let leaves = try await store.events(after: 0, limit: 1_000).map { event in try leafHash(event.hash) }
            let wrong = MerkleTree.Subtree(level: 8, index: 0)  // the root of 300 leaves reads it
            try await store.storeSubtrees([wrong: .empty], size: head, overwriting: true)
            try expect(try await tree.root(size: head) != ReferenceTree.root(leaves), "the wrong subtree is read")
            try expect(try await tree.rebuildStored(head: { head }) == head, "every leaf hashed")
            try expect(try await tree.root(size: head) == ReferenceTree.root(leaves), "the rebuilt root")
            try expect(try await store.storedTreeSize() == head, "the size it is complete for")
        },
        Check(name: "checkpoints are signed notes; a job's proof and a consistency proof check with the verifier key alone") { store in
            let signer = try NoteSigner.generate(name: "conformance")
            let proofs = LogProofs(store)
            try expect(try await proofs.checkpointIfGrown(signer: signer, origin: nil) == nil,
                       "serve's interval on an empty log signs nothing and is no error")
            try await busyLedger(store)
            let old = try await proofs.checkpoint(signer: signer, origin: nil)
            try expect(try await store.newestCheckpoint() == old, "the note is kept")
            try await appendConcurrently(store, count: 40)
            let note = try await proofs.newestCheckpoint(reaching: try await store.head().position, signer: signer, origin: nil)
            try expect(note != old, "a newer checkpoint is signed when the newest does not reach the head")
            let bundle = try await proofs.proveJob("lost", against: note)
            try expect(bundle.proofs.map(\.position) == (try await store.events(inStream: "job-lost")).map(\.position),
                       "every event of the job is proven")
            let encoded = try JSONEncoder.proofs.encode(bundle)
            try expect(ProofCheck.run(encoded, verifier: signer.verifier).holds, "the job's proof checks")
            let other = try NoteSigner.generate(name: "conformance")
            try expect(!ProofCheck.run(encoded, verifier: other.verifier).holds, "another key's verifier refuses it")
            var altered = bundle
            altered.proofs[0].auditPath[0] = String(repeating: "0", count: 64)
            try expect(!ProofCheck.run(try JSONEncoder.proofs.encode(altered), verifier: signer.verifier).holds,
                       "a changed audit path element is refused")
            // Another job's name on these events, or one of them left out: each proof still holds alone.
            var renamed = bundle
            renamed.jobID = "other"
            try expect(!ProofCheck.run(try JSONEncoder.proofs.encode(renamed), verifier: signer.verifier).holds,
                       "the events shown under another job's name are refused")
            var gap = bundle
            gap.proofs.remove(at: 1)
            try expect(bundle.proofs.count > 2 && !ProofCheck.run(try JSONEncoder.proofs.encode(gap), verifier: signer.verifier).holds,
                       "a job's proof with an event left out is refused")
            var anonymous = bundle
            anonymous.jobID = nil
            try expect(!ProofCheck.run(try JSONEncoder.proofs.encode(anonymous), verifier: signer.verifier).holds,
                       "a job's events with its name removed are refused")
            var shown = bundle
            shown.proofs[0].event = nil
            try expect(!ProofCheck.run(try JSONEncoder.proofs.encode(shown), verifier: signer.verifier).holds,
                       "a job's proof whose event is not shown is refused")
            var otherSize = bundle
            otherSize.checkpoint = old
            try expect(!ProofCheck.run(try JSONEncoder.proofs.encode(otherSize), verifier: signer.verifier).holds,
                       "a proof for another tree size is refused")
            // The first leaf's path reaches the same root for any size with as many levels:
            // a bundle claiming one of those sizes is refused by its size, not by its path.
            var claimed = try await proofs.provePosition(1, against: note)
            let size = claimed.proofs[0].treeSize
            claimed.proofs[0].treeSize = size & (size - 1) == 0 ? size - 1 : size + 1
            try expect(size > 2 && !ProofCheck.run(try JSONEncoder.proofs.encode(claimed), verifier: signer.verifier).holds,
                       "a proof claiming another tree size whose path still reaches the root is refused")
            let consistency = try await proofs.proveConsistency(from: old, to: note)
            try expect(ProofCheck.run(try JSONEncoder.proofs.encode(consistency), verifier: signer.verifier).holds,
                       "the newer checkpoint extends the older one")
            try checkWhatAProofDoesNotProve(bundle, consistency, old: old, signer: signer)
        },
        Check(name: "every proof checks with Go's sumdb/tlog and sumdb/note, and Go refuses altered ones") { store in
            let checker = try await GoProofChecker.shared()
            let signer = try NoteSigner.generate(name: "ledger.example/proofs")
            let proofs = LogProofs(store)
            var notes: [String] = []
            for round in 0..<4 {
                for index in 0..<(round * 9 + 3) {
                    let job = "job-\(round)-\(index)"
                    _ = try await store.execute(Fixtures.register(job, cost: 3, externalID: "x-\(job)"))
                    if index % 3 == 0 { _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-\(job)", .failed, delivery: "d-\(job)"))) }
                }
                notes.append(try await proofs.checkpoint(signer: signer, origin: nil))
            }
            let last = notes[notes.count - 1]
            for round in 0..<4 {
                try await checker.expect(holds: true, try await proofs.proveJob("job-\(round)-0", against: last), signer.verifierKey, "job-\(round)-0")
            }
            for (first, second) in [(0, 3), (1, 2), (2, 3), (3, 3)] {
                let older = try LogProofs.read(notes[first])
                let bundle = try await proofs.proveConsistency(from: notes[first], to: notes[second])
                try await checker.expect(holds: true, bundle, signer.verifierKey, "consistency from \(older.size)")
            }
            let head = try await store.head().position
            for position in [1, 2, head / 2, head - 1, head] {
                try await checker.expect(holds: true, try await proofs.provePosition(position, against: last), signer.verifierKey, "position \(position)")
            }
            let bundle = try await proofs.proveJob("job-2-1", against: last)
            var altered = bundle
            altered.proofs[0].auditPath[1] = String(repeating: "0", count: 64)
            try await checker.expect(holds: false, altered, signer.verifierKey, "a changed audit path element")
            try await checker.expect(holds: false, bundle, try NoteSigner.generate(name: "ledger.example/proofs").verifierKey, "another key")
            var otherSize = bundle
            otherSize.checkpoint = notes[2]
            try await checker.expect(holds: false, otherSize, signer.verifierKey, "a proof for another tree size")
            var consistency = try await proofs.proveConsistency(from: notes[1], to: last)
            var unsigned = consistency
            unsigned.firstCheckpoint = nil
            try await checker.expect(holds: false, unsigned, signer.verifierKey, "a consistency proof from an unsigned tree")
            consistency.path[0] = String(repeating: "f", count: 64)
            try await checker.expect(holds: false, consistency, signer.verifierKey, "a changed consistency path")
            // Go recomputes the events shown: a refund's amount changed (and marked redacted) is refused.
            var forged = try await proofs.proveJob("job-1-0", against: last)
            let refund = try required(forged.proofs.lastIndex { $0.event?.type == EventType.creditRefunded.rawValue }, "a refund")
            try await checker.expect(holds: true, forged, signer.verifierKey, "job-1-0 as made")
            let data = forged.proofs[refund].event!.data
            forged.proofs[refund].event!.data = #"{"body":"[redacted]","# + data.dropFirst()
            try await checker.expect(holds: false, forged, signer.verifierKey, "a refund's data changed, marked redacted")
        },
        Check(name: "a rewritten history cannot prove it extends an old checkpoint", engines: { make in
            let source = try await make()
            try await busyLedger(source)
            let signer = try NoteSigner.generate(name: "conformance")
            let old = try await LogProofs(source).checkpoint(signer: signer, origin: nil)
            // The export edited at its first event (another external id) and every
            // hash recomputed, as someone rewriting history would; same origin line.
            var events = try await source.events(after: 0, limit: 1_000)
            events[0].data = events[0].data.replacingOccurrences(of: "x-done", with: "x-d0ne")
            events[0].dataSHA256 = ChainHasher.digest(events[0].data)
            for index in events.indices {
                events[index].prevHash = index == 0 ? ChainHead.genesis.hash : events[index - 1].hash
                events[index].hash = ChainHasher.hash(of: events[index])
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            let target = try await make()
            _ = try await target.importEvents(lines: lines)
            let proofs = LogProofs(target)
            let newer = try await proofs.checkpoint(signer: signer, origin: TreeCheckpoint(text: SignedNote.unverifiedText(old)).origin)
            let first = try LogProofs.read(old)
            do {
                _ = try await proofs.proveConsistency(from: old, to: newer)
                throw ConformanceFailure("the rewritten log proved it extends the old checkpoint")
            } catch ProofFailure.notExtended(let detail) {
                try expect(detail.contains("\(first.size)"), "the size is named: \(detail)")
            }
        }),
    ]

    /// What a bundle holding together does not prove, and the checker's
    /// inputs that make it prove more: only a webhook's body is ever redacted
    /// (any other event's data is proven by its digest), the older tree of a
    /// consistency proof must be signed and be the checker's own, and the
    /// log's name is the published one.
    static func checkWhatAProofDoesNotProve(_ bundle: InclusionBundle, _ consistency: ConsistencyBundle, old: String,
                                            signer: NoteSigner) throws {
        func check(_ bundle: some Encodable, _ expected: ProofCheck.Expected = .init()) throws -> ProofCheck {
            ProofCheck.run(try JSONEncoder.proofs.encode(bundle), verifier: signer.verifier, expected: expected)
        }
        let outcome = try required(bundle.proofs.lastIndex { [EventType.jobCompleted.rawValue, EventType.creditRefunded.rawValue].contains($0.event?.type) },
                                   "the job's outcome is proven")
        var forged = bundle
        let data = forged.proofs[outcome].event!.data
        forged.proofs[outcome].event!.data = #"{"body":"[redacted]","# + data.dropFirst()
        try expect(!(try check(forged)).holds, "an outcome's data changed and marked redacted is refused: only a webhook's body is redacted")
        let webhook = try required(bundle.proofs.firstIndex { $0.event?.type == EventType.webhookReceived.rawValue }, "a webhook is proven")
        var redacted = bundle
        let original = redacted.proofs[webhook].event!
        redacted.proofs[webhook].event!.data = try required(BodyRedaction.redacted(type: original.type, data: original.data), "a body")
        let redactedCheck = try check(redacted)
        try expect(redactedCheck.holds && redactedCheck.notes.contains { $0.contains("redacted by retention") && $0.contains("not proven") },
                   "a redacted webhook holds, with a note that its data is not proven: \(redactedCheck.notes)")
        try expect(try check(bundle).notes.contains { $0.contains("cannot show what came after") },
                   "a job's proof says it cannot show later events")

        var unsigned = consistency
        unsigned.firstCheckpoint = nil
        try expect(!(try check(unsigned)).holds, "a consistency proof whose older tree is not signed is refused")
        try expect(try check(consistency, .init(keptNote: old)).holds, "a consistency proof from the checker's own checkpoint")
        try expect(!(try check(consistency, .init(keptNote: consistency.checkpoint))).holds,
                   "a consistency proof from another size than the checker's is refused")
        let first = try LogProofs.read(old)
        let forkedRoot = try required(MerkleHash(hex: String(repeating: "ab", count: 32)), "a hash")
        let fork = try TreeCheckpoint(origin: first.origin, size: first.size, root: forkedRoot).signed(by: signer)
        let forkCheck = try check(consistency, .init(keptNote: fork))
        try expect(!forkCheck.holds && forkCheck.failures.contains { $0.hasPrefix("FORK") }, "two roots of one size: \(forkCheck.failures)")
        try expect(try check(bundle, .init(keptNote: bundle.checkpoint)).holds, "an inclusion proof against the checker's own checkpoint")
        let againstNewer = try check(bundle, .init(keptNote: old))
        try expect(againstNewer.holds && againstNewer.notes.contains { $0.contains("takes a consistency proof") },
                   "an inclusion proof against a newer checkpoint than the kept one holds, with a note: \(againstNewer.failures)")
        var empty = consistency
        empty.firstCheckpoint = try TreeCheckpoint(origin: first.origin, size: 0, root: .empty).signed(by: signer)
        empty.firstSize = 0
        try expect(try check(empty).failures.contains { $0.contains("empty tree") }, "a consistency proof from an empty tree")
        try expect(try check(bundle, .init(origin: first.origin)).holds, "the published log name")
        try expect(!(try check(bundle, .init(origin: "staging.example/other"))).holds, "another log's checkpoint is refused")
    }

    /// `count` one-event appends on 4 streams, sent at once (group commits of several).
    static func appendConcurrently(_ store: any LedgerEngine, count: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count { group.addTask { _ = try await store.append(plain("tree-\(index % 4)", count: 1)) } }
            try await group.waitForAll()
        }
    }

    /// Waits (up to 10 s) until the follower has stored the tree up to `size`.
    static func waitForFollower(_ store: any LedgerEngine, toReach size: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while try await store.storedTreeSize() < size {
            guard ContinuousClock.now < deadline else {
                throw ConformanceFailure("the tree's follower stored \(try await store.storedTreeSize()) of \(size) leaves in 10 s")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static func leafHash(_ chainHash: String) throws -> MerkleHash {
        guard let leaf = MerkleHash.leaf(chainHash: chainHash) else { throw ConformanceFailure("a chain hash is not hex: \(chainHash)") }
        return leaf
    }
}

/// RFC 9162 §2.1.1's MTH as the RFC writes it, over leaf hashes: the
/// reference the engines' stored trees are compared with.
enum ReferenceTree {
    static func root(_ leaves: [MerkleHash]) -> MerkleHash {
        switch leaves.count {
        case 0: return .empty
        case 1: return leaves[0]
        default:
            var split = 1
            while split * 2 < leaves.count { split *= 2 }
            return .node(root(Array(leaves[..<split])), root(Array(leaves[split...])))
        }
    }
}
