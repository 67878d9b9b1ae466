import Crypto
import Foundation
import LedgerCore

/// A node of the log's Merkle tree (RFC 9162 §2.1.1): a leaf's hash is
/// SHA-256(0x00 || input), an inner node's SHA-256(0x01 || left || right).
/// The log's leaf inputs are its events' 32-byte chain hashes, so the tree
/// and the chain agree, and redacting a body (which keeps the chain hash)
/// changes no leaf.
public struct MerkleHash: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "a Merkle hash is 32 bytes")
        self.bytes = bytes
    }

    /// From 64 lowercase or uppercase hex digits; nil otherwise.
    public init?(hex: String) {
        guard let bytes = Hex.bytes(hex), bytes.count == 32 else { return nil }
        self.init(bytes)
    }

    /// From standard base64 of 32 bytes; nil otherwise.
    public init?(base64: String) {
        guard let data = Data(base64Encoded: base64), data.count == 32 else { return nil }
        self.init(Array(data))
    }

    public var hex: String { Hex.string(bytes) }
    public var base64: String { Data(bytes).base64EncodedString() }
    public var description: String { hex }

    /// The hash of the empty tree: SHA-256 of nothing.
    public static let empty = MerkleHash(Array(SHA256.hash(data: Data())))

    /// A leaf's hash: SHA-256(0x00 || input).
    public static func leaf(_ input: [UInt8]) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: input)
        return MerkleHash(Array(hasher.finalize()))
    }

    /// An event's leaf: its chain hash (hex) as the leaf input.
    public static func leaf(chainHash: String) -> MerkleHash? {
        MerkleHash(hex: chainHash).map { leaf($0.bytes) }
    }

    /// An inner node's hash: SHA-256(0x01 || left || right).
    public static func node(_ left: MerkleHash, _ right: MerkleHash) -> MerkleHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return MerkleHash(Array(hasher.finalize()))
    }
}
