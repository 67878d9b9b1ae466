import LedgerCore

/// What an engine stores of the log's Merkle tree (``LogTree``): the hashes
/// of its complete subtrees of 2^``LogTree/storedLevelMin`` leaves and more,
/// and the size they are complete for.
public protocol TreeStorage: Sendable {
    /// The tree size the stored subtrees are complete for (0 before any).
    func storedTreeSize() async throws(StoreError) -> Int64
    /// The chain hashes (leaf inputs) of leaves `first ..< first + count`:
    /// the events at positions `first + 1` on, in order.
    func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String]
    /// The stored hashes of `subtrees` (each of level ≥ ``LogTree/storedLevelMin``).
    func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash]
    /// Stores subtree hashes and the tree size they complete, in one
    /// transaction; the same again changes nothing, a smaller size never
    /// lowers the stored one (several nodes may extend the tree at once).
    /// A subtree stored already keeps its hash unless `overwriting` (a
    /// rebuild of the stored tree from the chain).
    func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError)
}

/// The log's Merkle tree, kept by extending it when a proof or a checkpoint
/// asks for a size it has not reached (and by `serve`'s checkpoint
/// service): each extension hashes only the new leaves, about two hashes and
/// an eighth of a stored row per event, never on the write path and never
/// under the chain lock. Subtrees below 16 leaves are not stored: a proof
/// reads the 16 chain hashes of its leaf's block instead, so the tree costs
/// one row per eight events.
public struct LogTree: Sendable {
    public let storage: any TreeStorage
    /// Subtrees of fewer leaves than 2^this are computed from the chain hashes when needed.
    public static let storedLevelMin = 4
    /// Leaves hashed per stored step while catching up (memory stays bounded).
    public var stepLeaves: Int64 = 65_536

    public init(storage: any TreeStorage) {
        self.storage = storage
    }

    /// Extends the stored tree to `size` leaves (no more than the log holds).
    public func extend(to size: Int64) async throws(StoreError) {
        try await walk(from: try await storage.storedTreeSize(), to: size) { _, to, made throws(StoreError) in
            try await storage.storeSubtrees(made, size: to, overwriting: false)
            return true
        }
    }

    /// The root of the tree of `size` leaves.
    public func root(size: Int64) async throws(StoreError) -> MerkleHash {
        let hashes = try await subtreeHashes(for: .root(size: size), size: size)
        return MerkleTree.root(size: size) { hashes[$0] ?? .empty }
    }

    /// The root of the tree of `size` leaves from the chain hashes alone,
    /// nothing stored read: when a stored subtree and a signed root disagree,
    /// it decides whether the stored tree is damaged (the chain still gives
    /// the signed root) or the history under the checkpoint was rewritten.
    public func chainRoot(size: Int64) async throws(StoreError) -> MerkleHash {
        let needed = MerkleTree.subtrees(for: .root(size: size))
        var hashes: [MerkleTree.Subtree: MerkleHash] = [:]
        try await walk(from: 0, to: size) { _, _, made throws(StoreError) in
            for (subtree, hash) in made where needed.contains(subtree) { hashes[subtree] = hash }
            return true
        }
        for small in needed where small.level < Self.storedLevelMin {
            hashes[small] = Self.hash(of: try await leafHashes(from: small.first, count: small.count))
        }
        return MerkleTree.root(size: size) { hashes[$0] ?? .empty }
    }

    /// The inclusion proof of `leaf` in the tree of `size` leaves.
    public func inclusionPath(leaf: Int64, size: Int64) async throws(StoreError) -> [MerkleHash] {
        let hashes = try await subtreeHashes(for: .inclusion(leaf: leaf, size: size), size: size)
        return MerkleTree.inclusionPath(leaf: leaf, size: size) { hashes[$0] ?? .empty }
    }

    /// The consistency proof from the tree of `from` leaves to the tree of `to`.
    public func consistencyPath(from: Int64, to: Int64) async throws(StoreError) -> [MerkleHash] {
        let hashes = try await subtreeHashes(for: .consistency(from: from, to: to), size: to)
        return MerkleTree.consistencyPath(from: from, to: to) { hashes[$0] ?? .empty }
    }

    /// What answering `question` needs: stored subtrees read in one go, the
    /// smaller ones hashed from their leaves' chain hashes.
    private func subtreeHashes(for question: MerkleTree.Question,
                               size: Int64) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        try await extend(to: size)
        let needed = MerkleTree.subtrees(for: question)
        var hashes = try await storage.storedSubtrees(needed.filter { $0.level >= Self.storedLevelMin })
        for small in needed where small.level < Self.storedLevelMin {
            let leaves = try await leafHashes(from: small.first, count: small.count)
            hashes[small] = Self.hash(of: leaves)
        }
        guard needed.allSatisfy({ hashes[$0] != nil }) else {
            throw .damagedTree("it lacks subtrees it should hold")
        }
        return hashes
    }

    private func leafHashes(from first: Int64, count: Int64) async throws(StoreError) -> [MerkleHash] {
        let chain = try await storage.chainHashes(fromLeaf: first, count: count)
        guard chain.count == count else { throw .corrupt("the log has \(chain.count) events from position \(first + 1), not \(count)") }
        var leaves: [MerkleHash] = []
        leaves.reserveCapacity(chain.count)
        for (offset, hash) in chain.enumerated() {
            guard let leaf = MerkleHash.leaf(chainHash: hash) else {
                throw .corrupt("the event at position \(first + Int64(offset) + 1) has no 64-digit hash")
            }
            leaves.append(leaf)
        }
        return leaves
    }

    /// The root of a complete subtree from its leaves (a power of two of them).
    static func hash(of leaves: [MerkleHash]) -> MerkleHash {
        var level = leaves
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: 2).map { MerkleHash.node(level[$0], level[$0 + 1]) }
        }
        return level[0]
    }

    /// Recomputes every stored subtree of the tree of the log's head
    /// (`head`, asked after the stored size is read) from the chain hashes
    /// alone and overwrites what is stored (`ledger rebuild --tree`): for a
    /// stored tree that lacks subtrees or holds wrong ones. Nothing stored is
    /// read. Calls `progress` with the leaves done after each step; returns
    /// the leaves hashed. A stored size past the head is refused: it cannot
    /// be lowered here, and later extensions would keep what lies beyond.
    public func rebuildStored(head: () async throws(StoreError) -> Int64,
                              progress: (Int64) -> Void = { _ in }) async throws(StoreError) -> Int64 {
        let stored = try await storage.storedTreeSize()
        // Read after the stored size: a tree is stored only for committed
        // events, so a size past this head is not a follower racing ahead.
        let size = try await head()
        guard stored <= size else {
            throw .corrupt("the stored Merkle tree says it holds \(stored) leaves and the log has \(size) events; "
                           + "run `ledger verify`, then, as the database's owner, empty merkle_nodes and set merkle_tree's size to 0")
        }
        try await walk(from: 0, to: size) { _, to, made throws(StoreError) in
            try await storage.storeSubtrees(made, size: to, overwriting: true)
            progress(to)
            return true
        }
        return size
    }

    /// `ledger verify`'s check of the stored tree: each subtree stored for the
    /// size the tree says it is complete for, up to `verified` (the head
    /// verify checked the chain to), recomputed from the chain hashes as the
    /// rebuild does, and compared. Nil when all match; else what differs
    /// first (a missing subtree counts). A stored size past the log's head
    /// (`head`, asked after the size is read) is named too; past `verified`
    /// only, it is a live server's follower gone on after verify's snapshot.
    public func storedTreeFinding(verified: Int64,
                                  head: () async throws(StoreError) -> Int64) async throws(StoreError) -> VerificationReport.Finding? {
        let stored = try await storage.storedTreeSize()
        let logHead = try await head()
        guard stored <= logHead else {
            return .init(check: "tree", position: nil, detail: "the stored Merkle tree says it holds \(stored) leaves; the log has "
                         + "\(logHead) events", remedy: "ledger rebuild --tree")
        }
        let size = min(stored, verified)
        var finding: VerificationReport.Finding?
        try await walk(from: 0, to: size) { _, _, made throws(StoreError) in
            let stored = try await storage.storedSubtrees(Set(made.keys))
            guard let wrong = made.filter({ stored[$0.key] != $0.value }).keys.min(by: { ($0.first, $0.level) < ($1.first, $1.level) })
            else { return true }
            finding = .init(check: "tree", position: wrong.first + 1,
                            detail: "the stored Merkle subtree over positions \(wrong.first + 1)-\(wrong.first + wrong.count) is "
                                + (stored[wrong] == nil ? "missing" : "not the one the chain gives")
                                + ": proofs and checkpoints made from it would be wrong. Run `ledger rebuild --tree`",
                            remedy: "ledger rebuild --tree")
            return false
        }
        return finding
    }

    /// The subtrees completed from `start` to `size`, `stepLeaves` at a time:
    /// each step gets the subtrees it completed, and the walk goes on while
    /// it answers true. Each step carries the right edge of the ones before,
    /// so only the first reads stored subtrees (when `start` is not 0).
    private func walk(from start: Int64, to size: Int64,
                      _ step: (_ from: Int64, _ to: Int64, _ made: [MerkleTree.Subtree: MerkleHash]) async throws(StoreError) -> Bool)
        async throws(StoreError) {
        var edge: [MerkleTree.Subtree: MerkleHash] = [:]
        var from = start
        while from < size {
            let to = min(size, from + stepLeaves)
            let made = try await subtrees(from: from, to: to, known: edge)
            guard try await step(from, to, made) else { return }
            edge = Self.rightEdge(of: edge.merging(made) { _, new in new })
            from = to
        }
    }

    /// The newest subtree of each level: all a later extension needs of earlier ones.
    static func rightEdge(of hashes: [MerkleTree.Subtree: MerkleHash]) -> [MerkleTree.Subtree: MerkleHash] {
        var newest: [Int: MerkleTree.Subtree] = [:]
        for subtree in hashes.keys where subtree.index >= newest[subtree.level]?.index ?? -1 {
            newest[subtree.level] = subtree
        }
        return Dictionary(uniqueKeysWithValues: newest.values.map { ($0, hashes[$0]!) })
    }

    /// One step: stores the subtrees of level ≥ 4 completed between `stored`
    /// and `size`, and returns them. `known` may hold subtrees stored
    /// earlier (a follower's right edge): they are not read again.
    func extend(from stored: Int64, to size: Int64,
                known: [MerkleTree.Subtree: MerkleHash]) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        let made = try await subtrees(from: stored, to: size, known: known)
        try await storage.storeSubtrees(made, size: size, overwriting: false)
        return made
    }

    /// The subtrees of level ≥ 4 completed between `stored` and `size`, from
    /// the new leaves' chain hashes and, for the children of new subtrees
    /// that came before, `known` or else what is stored.
    private func subtrees(from stored: Int64, to size: Int64,
                          known: [MerkleTree.Subtree: MerkleHash]) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        let block = Int64(1) << Self.storedLevelMin
        let firstBlock = stored / block, endBlock = size / block
        var made: [MerkleTree.Subtree: MerkleHash] = [:]
        if endBlock > firstBlock {
            let leaves = try await leafHashes(from: firstBlock * block, count: (endBlock - firstBlock) * block)
            for index in firstBlock..<endBlock {
                let start = Int((index - firstBlock) * block)
                made[MerkleTree.Subtree(level: Self.storedLevelMin, index: index)] = Self.hash(of: Array(leaves[start..<start + Int(block)]))
            }
        }
        var level = Self.storedLevelMin + 1
        while (size >> level) > (stored >> level) {
            let newIndices = (stored >> level)..<(size >> level)
            let children = Set(newIndices.flatMap { [MerkleTree.Subtree(level: level - 1, index: 2 * $0),
                                                    MerkleTree.Subtree(level: level - 1, index: 2 * $0 + 1)] })
            let missing = children.filter { made[$0] == nil && known[$0] == nil }
            let old = missing.isEmpty ? known : try await storage.storedSubtrees(missing).merging(known) { stored, _ in stored }
            for index in newIndices {
                let left = MerkleTree.Subtree(level: level - 1, index: 2 * index)
                let right = MerkleTree.Subtree(level: level - 1, index: 2 * index + 1)
                guard let leftHash = made[left] ?? old[left], let rightHash = made[right] ?? old[right] else {
                    throw .corrupt("the stored Merkle tree lacks the subtree at level \(level - 1)")
                }
                made[MerkleTree.Subtree(level: level, index: index)] = .node(leftHash, rightHash)
            }
            level += 1
        }
        return made
    }
}
