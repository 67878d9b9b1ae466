import Foundation

/// An engine's ``TreeStorage`` held weakly: the engine owns its follower
/// (``TreeFollower``), and the follower reaches the engine through this, so
/// neither keeps the other alive. Calls after the engine is gone fail as
/// storage unavailable.
public final class WeakTreeStorage: TreeStorage, @unchecked Sendable {
    private let lock = NSLock()
    private weak var engine: (any TreeStorage & AnyObject)?

    public init() {}

    /// Set once the engine is initialised.
    public func attach(_ engine: any TreeStorage & AnyObject) {
        lock.withLock { self.engine = engine }
    }

    private func target() throws(StoreError) -> any TreeStorage {
        guard let engine = lock.withLock({ self.engine }) else { throw .storageUnavailable("the store is closed") }
        return engine
    }

    public func storedTreeSize() async throws(StoreError) -> Int64 {
        try await target().storedTreeSize()
    }

    public func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String] {
        try await target().chainHashes(fromLeaf: first, count: count)
    }

    public func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        try await target().storedSubtrees(subtrees)
    }

    public func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError) {
        try await target().storeSubtrees(hashes, size: size, overwriting: overwriting)
    }
}
