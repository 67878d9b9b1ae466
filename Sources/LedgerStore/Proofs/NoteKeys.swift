import Crypto
import Foundation

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
        return Array(hasher.finalize()).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func hex(_ id: UInt32) -> String {
        let digits = String(id, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
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
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
              let data = Data(base64Encoded: parts[4]), data.count == 33, data.first == Ed25519Note.algorithm else {
            throw NoteError("not a signing key: expected PRIVATE+KEY+<name>+<key id>+<base64 Ed25519 key> (ledger checkpoint --generate-key makes one)")
        }
        try self.init(name: parts[2], seed: data.dropFirst())
        guard parts[3].lowercased() == NoteKeyName.hex(keyID) else {
            throw NoteError("the signing key's id \(parts[3]) does not match its name and key: it was altered")
        }
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
        let id = withUnsafeBytes(of: keyID.bigEndian) { Array($0) }
        return text + "\n" + "\u{2014} \(name) \(Data(id + signature).base64EncodedString())\n"
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
        guard parts.count == 3, let data = Data(base64Encoded: parts[2]), data.count == 33, data.first == Ed25519Note.algorithm,
              (try? Curve25519.Signing.PublicKey(rawRepresentation: data.dropFirst())) != nil else {
            throw NoteError("not a verifier key: expected <name>+<key id>+<base64 Ed25519 public key>, as ledger checkpoint --generate-key prints it")
        }
        try NoteKeyName.check(parts[0])
        let id = NoteKeyName.keyID(name: parts[0], publicKey: Array(data.dropFirst()))
        guard parts[1].lowercased() == NoteKeyName.hex(id) else {
            throw NoteError("the verifier key's id \(parts[1]) does not match its name and key: it was altered")
        }
        self.init(name: parts[0], keyID: id, publicKey: Array(data.dropFirst()))
    }

    func verifies(_ signature: [UInt8], of text: String) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Data(text.utf8))
    }
}
