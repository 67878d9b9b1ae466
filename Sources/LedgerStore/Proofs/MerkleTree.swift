/// The log as an RFC 9162 Merkle tree: its root, inclusion proofs (§2.1.3)
/// and consistency proofs (§2.1.4), computed from the hashes of complete,
/// aligned subtrees, and checked from the proofs alone.
///
/// Every subtree the RFC's recursions need is complete and aligned (2^level
/// leaves from leaf `index × 2^level`) or splits into such subtrees, so a
/// proof is made in two steps: ``subtrees(for:)`` names the subtrees it
/// needs (a caller loads them in one read), then the proof is assembled from
/// them. A tree of n leaves needs O(log n) of them.
public enum MerkleTree {
    /// A complete, aligned subtree: 2^level leaves from leaf `index × 2^level`.
    public struct Subtree: Hashable, Sendable {
        public let level: Int
        public let index: Int64

        public init(level: Int, index: Int64) {
            self.level = level
            self.index = index
        }

        public var first: Int64 { index << level }
        public var count: Int64 { 1 << level }
    }

    /// What a proof is asked for.
    public enum Question: Hashable, Sendable {
        case root(size: Int64)
        case inclusion(leaf: Int64, size: Int64)
        case consistency(from: Int64, to: Int64)
    }

    /// The subtrees answering `question` needs.
    public static func subtrees(for question: Question) -> Set<Subtree> {
        var needed: Set<Subtree> = []
        let collect: (Subtree) -> MerkleHash = { needed.insert($0); return .empty }
        switch question {
        case .root(let size): _ = root(size: size, collect)
        case .inclusion(let leaf, let size): _ = inclusionPath(leaf: leaf, size: size, collect)
        case .consistency(let from, let to): _ = consistencyPath(from: from, to: to, collect)
        }
        return needed
    }

    /// MTH(D[0:size]); the empty tree's hash for 0.
    public static func root(size: Int64, _ subtree: (Subtree) -> MerkleHash) -> MerkleHash {
        size == 0 ? .empty : hash(start: 0, size: size, subtree)
    }

    /// PATH(leaf, D[0:size]): the siblings from the leaf up. `leaf < size`.
    public static func inclusionPath(leaf: Int64, size: Int64, _ subtree: (Subtree) -> MerkleHash) -> [MerkleHash] {
        precondition(leaf >= 0 && leaf < size, "a leaf of the tree")
        return path(leaf: leaf, start: 0, size: size, subtree)
    }

    /// PROOF(from, D[0:to]): that the tree of `from` leaves is a prefix of
    /// the tree of `to`. Empty when `from` is 0 or equals `to`.
    public static func consistencyPath(from: Int64, to: Int64, _ subtree: (Subtree) -> MerkleHash) -> [MerkleHash] {
        precondition(from >= 0 && from <= to, "an older tree of the same log")
        guard from > 0, from < to else { return [] }
        return subproof(from, start: 0, size: to, complete: true, subtree)
    }

    // MARK: - The RFC's recursions, over ranges [start, start + size)

    /// MTH over a range: a complete aligned subtree, or split at the largest power of two below its size.
    private static func hash(start: Int64, size: Int64, _ subtree: (Subtree) -> MerkleHash) -> MerkleHash {
        if size & (size - 1) == 0 {
            let level = size.trailingZeroBitCount
            return subtree(Subtree(level: level, index: start >> level))
        }
        let split = largestPowerOfTwo(below: size)
        return .node(hash(start: start, size: split, subtree), hash(start: start + split, size: size - split, subtree))
    }

    private static func path(leaf: Int64, start: Int64, size: Int64, _ subtree: (Subtree) -> MerkleHash) -> [MerkleHash] {
        guard size > 1 else { return [] }
        let split = largestPowerOfTwo(below: size)
        if leaf < split {
            return path(leaf: leaf, start: start, size: split, subtree) + [hash(start: start + split, size: size - split, subtree)]
        }
        return path(leaf: leaf - split, start: start + split, size: size - split, subtree) + [hash(start: start, size: split, subtree)]
    }

    private static func subproof(_ from: Int64, start: Int64, size: Int64, complete: Bool,
                                 _ subtree: (Subtree) -> MerkleHash) -> [MerkleHash] {
        if from == size { return complete ? [] : [hash(start: start, size: size, subtree)] }
        let split = largestPowerOfTwo(below: size)
        if from <= split {
            return subproof(from, start: start, size: split, complete: complete, subtree)
                + [hash(start: start + split, size: size - split, subtree)]
        }
        return subproof(from - split, start: start + split, size: size - split, complete: false, subtree)
            + [hash(start: start, size: split, subtree)]
    }

    /// The largest power of two strictly less than `size` (> 1).
    static func largestPowerOfTwo(below size: Int64) -> Int64 {
        precondition(size > 1, "a tree to split")
        return Int64(1) << (63 - (size - 1).leadingZeroBitCount)
    }
}

// MARK: - Checking proofs, from the proof alone

extension MerkleTree {
    /// RFC 9162 §2.1.3.2: whether `path` proves the leaf `leafHash` at
    /// `leaf` in the tree of `size` leaves whose root is `root`.
    public static func verifyInclusion(leaf: Int64, size: Int64, leafHash: MerkleHash, path: [MerkleHash],
                                       root: MerkleHash) -> Bool {
        guard leaf >= 0, leaf < size else { return false }
        var hash = leafHash
        let top = climb(from: leaf, last: size - 1, path) { sibling, isLeft in
            hash = isLeft ? .node(sibling, hash) : .node(hash, sibling)
        }
        return top == 0 && hash == root
    }

    /// RFC 9162 §2.1.4.2: whether `path` proves that the tree of `from`
    /// leaves with root `fromRoot` is a prefix of the tree of `to` leaves
    /// with root `toRoot`.
    public static func verifyConsistency(from: Int64, to: Int64, fromRoot: MerkleHash, toRoot: MerkleHash,
                                         path: [MerkleHash]) -> Bool {
        guard from >= 0, from <= to else { return false }
        if from == to { return path.isEmpty && fromRoot == toRoot }
        if from == 0 { return path.isEmpty }
        var proof = path
        if from & (from - 1) == 0 { proof.insert(fromRoot, at: 0) }
        guard let first = proof.first else { return false }
        var index = from - 1, last = to - 1
        while index & 1 == 1 {
            index >>= 1
            last >>= 1
        }
        var fromHash = first, toHash = first
        let top = climb(from: index, last: last, proof.dropFirst()) { sibling, isLeft in
            if isLeft { fromHash = .node(sibling, fromHash) }
            toHash = isLeft ? .node(sibling, toHash) : .node(toHash, sibling)
        }
        return fromHash == fromRoot && toHash == toRoot && top == 0
    }

    /// The walk both checks share (RFC 9162 §2.1.3.2 and §2.1.4.2): up from
    /// node `index` of a level whose last node is `last`, one path element
    /// per step, telling `combine` whether the sibling is on the left. The
    /// `last` reached at the top (0: the path ended at the root's level), or
    /// nil when the path is longer than the tree is high.
    private static func climb(from start: Int64, last end: Int64, _ path: some Sequence<MerkleHash>,
                              _ combine: (_ sibling: MerkleHash, _ isLeft: Bool) -> Void) -> Int64? {
        var index = start, last = end
        for sibling in path {
            guard last > 0 else { return nil }
            if index & 1 == 1 || index == last {
                combine(sibling, true)
                if index & 1 == 0 {
                    repeat {
                        index >>= 1
                        last >>= 1
                    } while index & 1 == 0 && index != 0
                }
            } else {
                combine(sibling, false)
            }
            index >>= 1
            last >>= 1
        }
        return last
    }
}
