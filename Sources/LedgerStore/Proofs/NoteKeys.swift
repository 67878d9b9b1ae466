import Crypto
import Foundation
import LedgerCore

/// Why a signed note, a key or a checkpoint was refused, in words for the person holding it.
public struct NoteError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A C2SP signed-note key name: not empty, no whitespace, no `+`.
enum NoteKeyName {
    static func check(_ name: String) throws(NoteError) {
        guard !name.isEmpty, !name.contains("+"), !name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw NoteError("a key name must be non-empty, without spaces or '+': \(name.debugDescription)")
        }
    }

    /// The first 4 bytes of SHA-256(name || "\n" || 0x01 || public key), as a big-endian number.
    static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, Ed25519Note.algorithm] + publicKey)
        return id(Array(hasher.finalize()).prefix(4))
    }

    /// 4 big-endian bytes as an id.
    static func id(_ bytes: some Collection<UInt8>) -> UInt32 { bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) } }

    /// The id as 4 big-endian bytes (how a signature line carries it).
    static func bytes(_ id: UInt32) -> [UInt8] { withUnsafeBytes(of: id.bigEndian) { Array($0) } }

    /// The id as 8 hex digits (how a key's text carries it).
    static func hex(_ id: UInt32) -> String { Hex.string(bytes(id)) }

    /// The key bytes of a key's text, `<name>+<id hex>+<base64(0x01 || key)>`:
    /// the name checked, the id checked against the name and the key's public half.
    static func key(name: String, id: String, base64: String, kind: String, expected: String,
                    publicKey: ([UInt8]) -> [UInt8]?) throws(NoteError) -> [UInt8] {
        guard let data = Data(base64Encoded: base64), data.count == 33, data.first == Ed25519Note.algorithm,
              case let key = Array(data.dropFirst()), let derived = publicKey(key) else {
            throw NoteError("not a \(kind): \(expected)")
        }
        try check(name)
        guard id.lowercased() == hex(keyID(name: name, publicKey: derived)) else {
            throw NoteError("the \(kind)'s id \(id) does not match its name and key: it was altered")
        }
        return key
    }
}

enum Ed25519Note {
    /// The signature algorithm's byte in C2SP keys: Ed25519.
    static let algorithm: UInt8 = 0x01
}

/// Signs notes (c2sp.org/signed-note) with an Ed25519 key. Its private form,
/// `PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>`, is what
/// `LEDGER_CHECKPOINT_KEY` holds; its verifier key,
/// `<name>+<key id hex>+<base64(0x01 || public key)>`, is what a customer or
/// an auditor is given.
public struct NoteSigner: Sendable {
    public let name: String
    /// The name of a key given as a bare base64 seed (keys made before checkpoints were notes).
    public static let legacyName = "completion-ledger"
    /// The 32-byte Ed25519 seed (the key type itself is not Sendable).
    private let seed: [UInt8]
    let publicKey: [UInt8]

    public init(name: String, seed: Data) throws(NoteError) {
        try NoteKeyName.check(name)
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else {
            throw NoteError("an Ed25519 seed is 32 bytes, not \(seed.count)")
        }
        self.name = name
        self.seed = Array(seed)
        publicKey = Array(key.publicKey.rawRepresentation)
    }

    private var key: Curve25519.Signing.PrivateKey {
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { preconditionFailure("checked by init") }
        return key
    }

    /// Reads `PRIVATE+KEY+name+id+key`, checking the id against the name and key.
    public init(privateKey text: String) throws(NoteError) {
        // The key's base64 may hold '+' itself: it is everything after the fourth.
        let parts = text.split(separator: "+", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        let expected = "expected PRIVATE+KEY+<name>+<key id>+<base64 Ed25519 key> (ledger checkpoint --generate-key makes one)"
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY" else { throw NoteError("not a signing key: \(expected)") }
        let seed = try NoteKeyName.key(name: parts[2], id: parts[3], base64: parts[4], kind: "signing key", expected: expected) { seed in
            (try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)).map { Array($0.publicKey.rawRepresentation) }
        }
        try self.init(name: parts[2], seed: Data(seed))
    }

    /// A new key named `name`.
    public static func generate(name: String) throws(NoteError) -> NoteSigner {
        try NoteSigner(name: name, seed: Curve25519.Signing.PrivateKey().rawRepresentation)
    }

    public var keyID: UInt32 { NoteKeyName.keyID(name: name, publicKey: publicKey) }

    public var privateKey: String {
        "PRIVATE+KEY+\(name)+\(NoteKeyName.hex(keyID))+\(Data([Ed25519Note.algorithm] + seed).base64EncodedString())"
    }

    public var verifierKey: String {
        "\(name)+\(NoteKeyName.hex(keyID))+\(Data([Ed25519Note.algorithm] + publicKey).base64EncodedString())"
    }

    public var verifier: NoteVerifier {
        NoteVerifier(name: name, keyID: keyID, publicKey: publicKey)
    }

    /// The note: `text` (which must end with a newline), a blank line, and
    /// the signature line `— <name> <base64(key id || signature)>`.
    public func sign(_ text: String) throws(NoteError) -> String {
        try SignedNote.checkText(text)
        guard let signature = try? key.signature(for: Data(text.utf8)) else { throw NoteError("signing failed") }
        return text + "\n" + "\u{2014} \(name) \(Data(NoteKeyName.bytes(keyID) + signature).base64EncodedString())\n"
    }
}

/// Checks notes against one verifier key.
public struct NoteVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    let publicKey: [UInt8]

    init(name: String, keyID: UInt32, publicKey: [UInt8]) {
        self.name = name
        self.keyID = keyID
        self.publicKey = publicKey
    }

    /// Reads `name+id+base64(0x01 || public key)`, checking the id against the name and key.
    public init(verifierKey text: String) throws(NoteError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        let expected = "expected <name>+<key id>+<base64 Ed25519 public key>, as ledger checkpoint --generate-key prints it"
        guard parts.count == 3 else { throw NoteError("not a verifier key: \(expected)") }
        let key = try NoteKeyName.key(name: parts[0], id: parts[1], base64: parts[2], kind: "verifier key", expected: expected) { key in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil ? key : nil
        }
        self.init(name: parts[0], keyID: NoteKeyName.keyID(name: parts[0], publicKey: key), publicKey: key)
    }

    func verifies(_ signature: [UInt8], of text: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Data(text.utf8))
    }
}
