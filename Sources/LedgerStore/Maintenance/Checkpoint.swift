import Crypto
import Foundation
import LedgerCore

/// A signed statement of the log's head as `ledger checkpoint` wrote it
/// before checkpoints were signed notes (``TreeCheckpoint``): "at position N
/// the chain's hash was H, with N events"; `ledger verify --checkpoint` still
/// reads them. An auditor keeps it outside the server; later,
/// `ledger verify --checkpoint` proves the log still extends it (the same
/// hash at N, a sound chain after it), so history before N cannot have been
/// rewritten, even by someone who can recompute every hash.
public struct Checkpoint: Sendable, Hashable, Codable {
    public var position: Int64
    public var hash: String
    public var count: Int64
    public var createdAt: String
    /// The signer's Ed25519 public key, base64.
    public var publicKey: String
    /// Ed25519 over ``signedText``, base64.
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case position, hash, count, createdAt = "created_at", publicKey = "public_key", signature
    }

    /// What is signed: a fixed, versioned text, so no JSON canonicalisation is needed.
    public var signedText: String { "completion-ledger-checkpoint-v1\n\(position)\n\(hash)\n\(count)\n\(createdAt)\n" }

    /// Whether the signature holds for `publicKey` (base64; the checkpoint's own key when nil).
    public func isSigned(by publicKey: String? = nil) -> Bool {
        guard let keyBytes = Data(base64Encoded: publicKey ?? self.publicKey),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes),
              let signatureBytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signatureBytes, for: Data(signedText.utf8))
    }
}
