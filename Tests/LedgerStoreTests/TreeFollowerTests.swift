import Foundation
import LedgerCore
import LedgerStore
import Synchronization
import Testing

/// The follower that keeps the stored Merkle tree up with the log, over an
/// in-memory storage that counts what it is asked: commits between two
/// extensions must cost the store nothing (each commit's read of the stored
/// size was one more statement per group commit on PostgreSQL).
@Suite struct TreeFollowerTests {
    @Test func commitsBetweenExtensionsReadNothing() async throws {
        let storage = CountingTreeStorage(leaves: 2_000)
        let follower = TreeFollower(tree: LogTree(storage: storage))
        follower.headMoved(to: 300)
        try await waitUntil { follower.statistics.extensions == 1 }
        #expect(storage.sizeReads == 1, "one read before the extension, none after it")
        for size in stride(from: Int64(301), to: 300 + TreeFollower.leavesPerExtensionMin, by: 7) {
            follower.headMoved(to: size)
        }
        await follower.close()
        #expect(storage.storedSize == 300)
        #expect(storage.sizeReads == 1, "a commit short of an extension read the stored size")
    }

    @Test func anExtensionStillStartsOnceEnoughLeavesAreNew() async throws {
        let storage = CountingTreeStorage(leaves: 2_000)
        let follower = TreeFollower(tree: LogTree(storage: storage))
        follower.headMoved(to: 300)
        try await waitUntil { follower.statistics.extensions == 1 }
        follower.headMoved(to: 300 + TreeFollower.leavesPerExtensionMin)
        try await waitUntil { follower.statistics.extensions == 2 }
        await follower.close()
        #expect(storage.storedSize == 300 + TreeFollower.leavesPerExtensionMin)
    }

    /// Another node (or a proof) stored further: the follower reads that once,
    /// hashes none of it again, and then counts from it.
    @Test func whatAnotherNodeStoredIsNotHashedAgainNorReadAgain() async throws {
        let storage = CountingTreeStorage(leaves: 2_000)
        let follower = TreeFollower(tree: LogTree(storage: storage))
        follower.headMoved(to: 300)
        try await waitUntil { follower.statistics.extensions == 1 }
        try await LogTree(storage: storage).extend(to: 1_000)
        let readsBefore = storage.sizeReads
        follower.headMoved(to: 1_100)
        try await waitUntil { storage.sizeReads == readsBefore + 1 }
        try await Task.sleep(for: .milliseconds(50))
        for size in stride(from: Int64(1_101), to: 1_000 + TreeFollower.leavesPerExtensionMin, by: 31) {
            follower.headMoved(to: size)
            try await Task.sleep(for: .milliseconds(2))
        }
        await follower.close()
        #expect(storage.storedSize == 1_000, "fewer than 256 leaves past what another node stored: no extension")
        #expect(follower.statistics.leaves == 300)
        #expect(storage.sizeReads == readsBefore + 1, "the size another node stored was read once, then remembered")
    }

    /// `ledger rebuild --tree`: a stored tree holding a wrong subtree is
    /// recomputed from the chain alone and overwritten.
    @Test func aRebuildOverwritesAWrongStoredSubtree() async throws {
        let storage = CountingTreeStorage(leaves: 2_000)
        let tree = LogTree(storage: storage)
        try await tree.extend(to: 1_000)
        let right = try await tree.root(size: 1_000)
        let wrong = MerkleTree.Subtree(level: 9, index: 0)  // the root of 1,000 leaves reads it
        try await storage.storeSubtrees([wrong: .empty], size: 1_000, overwriting: true)
        #expect(try await tree.root(size: 1_000) != right, "the wrong subtree changes the root")
        let finding = try await tree.storedTreeFinding(verified: 1_000) { 1_000 }
        #expect(finding?.position == 1 && finding?.detail.contains("positions 1-512 is not the one the chain gives") == true,
                "verify names it: \(String(describing: finding))")
        var small = tree
        small.stepLeaves = 160  // several steps, each carrying the last one's right edge
        let readsBefore = storage.subtreeReads
        #expect(try await small.rebuildStored(head: { 1_000 }) == 1_000)
        #expect(storage.subtreeReads == readsBefore, "the rebuild read no stored subtree")
        #expect(try await tree.root(size: 1_000) == right)
        #expect(try await tree.storedTreeFinding(verified: 1_000) { 1_000 } == nil, "verify finds it sound again")
        #expect(try await tree.storedTreeFinding(verified: 990) { 1_000 } == nil,
                "a follower gone on past verify's snapshot is no finding")
        #expect(try await tree.storedTreeFinding(verified: 990) { 999 }?.detail.contains("holds 1000 leaves") == true)
        await #expect(throws: StoreError.self, "a stored size past the head is not rebuilt over") {
            try await tree.rebuildStored(head: { 999 })
        }
    }

    /// When the stored tree and a signed root disagree, the chain decides:
    /// its root, made from the chain hashes alone, is the stored tree's while
    /// both are sound, stays the signed one when only a stored subtree is
    /// wrong (damaged derived data), and differs once the chain under it was
    /// rewritten (while the stored tree still gives the signed root).
    @Test func theChainsOwnRootTellsADamagedTreeFromARewrittenHistory() async throws {
        let storage = CountingTreeStorage(leaves: 1_000)
        let tree = LogTree(storage: storage)
        let signed = try await tree.root(size: 1_000)
        let readsBefore = storage.subtreeReads
        #expect(try await tree.chainRoot(size: 1_000) == signed && storage.subtreeReads == readsBefore, "from the chain alone")
        let odd = try await tree.root(size: 999)
        #expect(try await tree.chainRoot(size: 999) == odd, "a size that is no multiple of 16")
        try await storage.storeSubtrees([MerkleTree.Subtree(level: 9, index: 0): .empty], size: 1_000, overwriting: true)
        let damaged = try await tree.root(size: 1_000), fromChain = try await tree.chainRoot(size: 1_000)
        #expect(damaged != signed && fromChain == signed, "the tree is damaged")
        _ = try await tree.rebuildStored(head: { 1_000 })
        // 992 leaves: a root made of stored subtrees only (no block of fewer than 16 read from the chain).
        let signed992 = try await tree.root(size: 992)
        storage.rewriteChain(at: 17)
        let stored = try await tree.root(size: 992), rewritten = try await tree.chainRoot(size: 992)
        #expect(stored == signed992 && rewritten != signed992, "the history was rewritten: the stored tree is the witness")
    }

    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CancellationError() }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

/// A log of `leaves` made-up chain hashes and the subtrees stored for it, in memory.
private final class CountingTreeStorage: TreeStorage, Sendable {
    private struct State {
        var size: Int64 = 0
        var subtrees: [MerkleTree.Subtree: MerkleHash] = [:]
        var sizeReads = 0
        var subtreeReads = 0
    }
    private let state = Mutex(State())
    private let chain: Mutex<[String]>

    init(leaves: Int) {
        chain = Mutex((0..<leaves).map { String(format: "%064x", $0) })  // every leaf different
    }

    /// One event rewritten with its hashes made consistent again: its chain hash, and every one after it, change.
    func rewriteChain(at leaf: Int) {
        chain.withLock { hashes in
            for index in leaf..<hashes.count { hashes[index] = String(format: "%064x", index + 1_000_000) }
        }
    }

    var sizeReads: Int { state.withLock { $0.sizeReads } }
    var subtreeReads: Int { state.withLock { $0.subtreeReads } }
    var storedSize: Int64 { state.withLock { $0.size } }

    func storedTreeSize() async throws(StoreError) -> Int64 {
        state.withLock { state in
            state.sizeReads += 1
            return state.size
        }
    }

    func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String] {
        chain.withLock { Array($0[Int(first)..<Int(first + count)]) }
    }

    func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        state.withLock { state in
            state.subtreeReads += 1
            return state.subtrees.filter { subtrees.contains($0.key) }
        }
    }

    func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError) {
        state.withLock { state in
            state.subtrees.merge(hashes) { old, new in overwriting ? new : old }
            state.size = max(state.size, size)
        }
    }
}
