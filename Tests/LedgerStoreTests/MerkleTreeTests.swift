import Crypto
import Foundation
import LedgerStore
import Testing

/// The log's Merkle tree against RFC 9162 §2.1 written out here from the
/// RFC's text (recursions over lists of leaf inputs), never from the
/// product's code: every root, every inclusion proof and every consistency
/// proof up to 300 leaves.
@Suite struct MerkleTreeTests {
    static let sizeMax = 300
    static let inputs: [[UInt8]] = (0...sizeMax).map { index in Array(SHA256.hash(data: Data("event \(index)".utf8))) }

    @Test func rootsAndInclusionProofsMatchTheRFCForEverySizeAndLeaf() {
        let rfc = RFC9162(inputs: Self.inputs)
        for size in 0...Self.sizeMax {
            let root = MerkleTree.root(size: Int64(size), rfc.subtree)
            #expect(root == rfc.mth(0, size), "root of \(size)")
            for leaf in 0..<size {
                let path = MerkleTree.inclusionPath(leaf: Int64(leaf), size: Int64(size), rfc.subtree)
                #expect(path == rfc.path(leaf, 0, size), "path of \(leaf) in \(size)")
                #expect(MerkleTree.verifyInclusion(leaf: Int64(leaf), size: Int64(size), leafHash: rfc.leaf(leaf),
                                                   path: path, root: root), "checks: \(leaf) in \(size)")
            }
        }
    }

    @Test func consistencyProofsMatchTheRFCForEveryPairOfSizes() {
        let rfc = RFC9162(inputs: Self.inputs)
        for to in 1...Self.sizeMax {
            let toRoot = rfc.mth(0, to)
            for from in 1..<to {
                let path = MerkleTree.consistencyPath(from: Int64(from), to: Int64(to), rfc.subtree)
                #expect(path == rfc.proof(from, to), "proof \(from) -> \(to)")
                #expect(MerkleTree.verifyConsistency(from: Int64(from), to: Int64(to), fromRoot: rfc.mth(0, from),
                                                     toRoot: toRoot, path: path), "checks \(from) -> \(to)")
            }
        }
    }

    /// Refused: a changed path element, another leaf, another size, another root.
    @Test func alteredProofsAreRefused() {
        let rfc = RFC9162(inputs: Self.inputs)
        let flip: (MerkleHash) -> MerkleHash = { hash in MerkleHash([hash.bytes[0] ^ 1] + hash.bytes.dropFirst()) }
        for (leaf, size) in [(0, 1), (3, 7), (100, 257), (255, 256), (299, 300)] {
            let root = rfc.mth(0, size)
            let path = MerkleTree.inclusionPath(leaf: Int64(leaf), size: Int64(size), rfc.subtree)
            for index in path.indices {
                var altered = path
                altered[index] = flip(altered[index])
                #expect(!MerkleTree.verifyInclusion(leaf: Int64(leaf), size: Int64(size), leafHash: rfc.leaf(leaf),
                                                    path: altered, root: root))
            }
            #expect(!MerkleTree.verifyInclusion(leaf: Int64(leaf), size: Int64(size), leafHash: rfc.leaf((leaf + 1) % size),
                                                path: path, root: root) || size == 1)
            // A proof for this size, checked against another size's root. (The
            // same root under another size may pass where the shapes agree:
            // the size and root come together from a signed checkpoint.)
            #expect(!MerkleTree.verifyInclusion(leaf: Int64(leaf), size: Int64(size + 1), leafHash: rfc.leaf(leaf),
                                                path: path, root: rfc.mth(0, size + 1)))
            #expect(!MerkleTree.verifyInclusion(leaf: Int64(leaf), size: Int64(size), leafHash: rfc.leaf(leaf),
                                                path: path, root: flip(root)))
        }
        for (from, to) in [(1, 2), (3, 8), (64, 65), (100, 300)] {
            let path = MerkleTree.consistencyPath(from: Int64(from), to: Int64(to), rfc.subtree)
            for index in path.indices {
                var altered = path
                altered[index] = flip(altered[index])
                #expect(!MerkleTree.verifyConsistency(from: Int64(from), to: Int64(to), fromRoot: rfc.mth(0, from),
                                                      toRoot: rfc.mth(0, to), path: altered))
            }
            #expect(!MerkleTree.verifyConsistency(from: Int64(from), to: Int64(to) + 1, fromRoot: rfc.mth(0, from),
                                                  toRoot: rfc.mth(0, to + 1), path: path))
        }
    }
}

/// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, as the RFC states them, over
/// lists of leaf inputs D[start:start+size]; subtree hashes memoised.
final class RFC9162 {
    let inputs: [[UInt8]]
    private var memo: [[Int]: MerkleHash] = [:]

    init(inputs: [[UInt8]]) { self.inputs = inputs }

    private static func sha256(_ bytes: [UInt8]) -> MerkleHash { MerkleHash(Array(SHA256.hash(data: bytes))) }

    func leaf(_ index: Int) -> MerkleHash { Self.sha256([0x00] + inputs[index]) }

    /// MTH(D[start:start+size]).
    func mth(_ start: Int, _ size: Int) -> MerkleHash {
        if let known = memo[[start, size]] { return known }
        let hash: MerkleHash
        switch size {
        case 0: hash = Self.sha256([])
        case 1: hash = leaf(start)
        default:
            let k = Self.largestPowerOfTwoBelow(size)
            hash = Self.sha256([0x01] + mth(start, k).bytes + mth(start + k, size - k).bytes)
        }
        memo[[start, size]] = hash
        return hash
    }

    /// PATH(m, D[start:start+size]).
    func path(_ m: Int, _ start: Int, _ size: Int) -> [MerkleHash] {
        guard size > 1 else { return [] }
        let k = Self.largestPowerOfTwoBelow(size)
        return m < k ? path(m, start, k) + [mth(start + k, size - k)] : path(m - k, start + k, size - k) + [mth(start, k)]
    }

    /// PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true).
    func proof(_ m: Int, _ n: Int) -> [MerkleHash] { subproof(m, 0, n, true) }

    private func subproof(_ m: Int, _ start: Int, _ size: Int, _ complete: Bool) -> [MerkleHash] {
        if m == size { return complete ? [] : [mth(start, size)] }
        let k = Self.largestPowerOfTwoBelow(size)
        return m <= k ? subproof(m, start, k, complete) + [mth(start + k, size - k)]
            : subproof(m - k, start + k, size - k, false) + [mth(start, k)]
    }

    /// The product's subtree lookup, answered from this definition.
    func subtree(_ subtree: MerkleTree.Subtree) -> MerkleHash { mth(Int(subtree.first), Int(subtree.count)) }

    static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}
