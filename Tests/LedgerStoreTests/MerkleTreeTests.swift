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

    /// The product's own leaf and node hashes against published values: the
    /// eight leaf inputs of Certificate Transparency's reference test data
    /// and their roots at every size (the same values Go's sumdb/tlog gives).
    @Test func leafAndNodeHashesGiveThePublishedRoots() {
        let inputs: [[UInt8]] = [[], [0x00], [0x10], [0x20, 0x21], [0x30, 0x31], [0x40, 0x41, 0x42, 0x43],
                                 Array(0x50...0x57), Array(0x60...0x6f)]
        let roots = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                     "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                     "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                     "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                     "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                     "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                     "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                     "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]
        func hex(_ hash: MerkleHash) -> String { hash.bytes.map { String(format: "%02x", $0) }.joined() }
        /// MTH with the product's hashes.
        func mth(_ leaves: ArraySlice<[UInt8]>) -> MerkleHash {
            guard leaves.count > 1 else { return MerkleHash.leaf(leaves.first!) }
            let k = RFC9162.largestPowerOfTwoBelow(leaves.count)
            return MerkleHash.node(mth(leaves.prefix(k)), mth(leaves.dropFirst(k)))
        }
        for size in 1...inputs.count {
            #expect(hex(mth(inputs.prefix(size))) == roots[size - 1], "root of \(size)")
        }
    }

    /// A path that ends below the claimed size's root level proves nothing,
    /// even when it ends at a root (the tree of 4 claimed as the tree of 5).
    @Test func aPathShortOfTheClaimedSizesLevelsIsRefused() {
        let rfc = RFC9162(inputs: Self.inputs)
        #expect(MerkleTree.verifyInclusion(leaf: 0, size: 4, leafHash: rfc.leaf(0), path: rfc.path(0, 0, 4), root: rfc.mth(0, 4)))
        #expect(!MerkleTree.verifyInclusion(leaf: 0, size: 5, leafHash: rfc.leaf(0), path: rfc.path(0, 0, 4), root: rfc.mth(0, 4)))
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
