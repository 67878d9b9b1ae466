import Crypto
import Foundation
import LedgerCore
import LedgerProviders

/// What a bearer key may do.
public enum Role: String, Sendable, CaseIterable {
    /// Registers and cancels jobs, reads.
    case app
    /// Everything, including re-drive and resolve.
    case admin
    /// Reads only.
    case auditor
}

/// The API keys and their roles, from `LEDGER_KEYS` (`app:KEY,admin:KEY,auditor:KEY`,
/// several per role allowed). Keys are compared in constant time.
public struct APIKeys: Sendable {
    /// Each key as its digest and what signs its admin sessions (its role
    /// with it; derived once here, not per request).
    private typealias Entry = (digest: [UInt8], signer: SessionSigner)
    private let entries: [Entry]

    /// Parses `app:KEY,admin:KEY`; throws a message naming the bad entry.
    public init(parsing text: String) throws(ConfigurationError) {
        var entries: [Entry] = []
        let written = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for (index, entry) in written.enumerated() {
            // An error names the entry by its place, never by its text: a typo must not print a key.
            let place = "entry \(index + 1) of \(written.count)"
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = Role(rawValue: parts[0]) else {
                throw ConfigurationError(key: "LEDGER_KEYS", detail: "\(place) is not role:KEY with role app, admin or auditor (entries are separated by commas)")
            }
            guard parts[1].utf8.count >= 16 else {
                throw ConfigurationError(key: "LEDGER_KEYS", detail: "the \(role.rawValue) key (\(place)) is shorter than 16 characters")
            }
            // Two entries run together (`app:K1;admin:K2`, `app:K1 admin:K2`) would make one key of both.
            guard !parts[1].contains(where: { $0 == ";" || $0.isWhitespace }) else {
                throw ConfigurationError(key: "LEDGER_KEYS",
                                         detail: "the \(role.rawValue) key (\(place)) holds a space or a ';': separate entries with commas")
            }
            let digest = Self.digest(parts[1])
            // One key under two roles would take the role written last, whatever the operator meant.
            if let earlier = entries.first(where: { $0.digest == digest }), earlier.signer.role != role {
                throw ConfigurationError(key: "LEDGER_KEYS", detail: "\(place) gives the \(role.rawValue) role to a key an earlier "
                                         + "entry gives the \(earlier.signer.role.rawValue) role: one key, one role")
            }
            entries.append((digest, Self.signer(digest: digest, role: role)))
        }
        guard !entries.isEmpty else { throw ConfigurationError(key: "LEDGER_KEYS", detail: "no keys") }
        self.entries = entries
    }

    /// The role of `key`, or `nil`. Every stored key is compared (as SHA-256
    /// digests, byte by byte without early exit), so timing reveals nothing.
    public func role(of key: String) -> Role? { entry(of: key)?.signer.role }

    /// The entry of `key`: every stored key is compared, without early exit.
    private func entry(of key: String) -> Entry? {
        let presented = Self.digest(key)
        var found: Entry?
        for entry in entries where ConstantTime.equal(entry.digest, presented) { found = entry }
        return found
    }

    /// What an admin session made with one key is signed by: the key's public
    /// id (no secret in it) and a secret derived from the key (never the key).
    /// Every node with the same `LEDGER_KEYS` derives the same; a key removed
    /// from it has none, which ends its sessions.
    public struct SessionSigner: Sendable {
        public let keyID: String
        public let role: Role
        let secret: [UInt8]
    }

    /// The signer of the sessions `key` opens, or `nil` for an unknown key.
    public func sessionSigner(of key: String) -> SessionSigner? { entry(of: key)?.signer }

    /// The signer whose public id is `keyID`, or `nil` (no longer configured).
    public func sessionSigner(keyID: String) -> SessionSigner? {
        entries.first { $0.signer.keyID == keyID }?.signer
    }

    private static func signer(digest: [UInt8], role: Role) -> SessionSigner {
        let derived = SymmetricKey(data: digest)
        func label(_ text: String) -> [UInt8] { Array(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: derived)) }
        let id = Hex.string(label("completion-ledger admin session key id").prefix(8))
        return SessionSigner(keyID: id, role: role, secret: label("completion-ledger admin session secret v1"))
    }

    /// Three new random keys, one per role, for development start-ups.
    public static func generateDevelopmentKeys() -> String {
        Role.allCases.map { role in
            var bytes = [UInt8](repeating: 0, count: 24)
            for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
            return "\(role.rawValue):\(role.rawValue)_" + bytes.map { String(format: "%02x", $0) }.joined()
        }.joined(separator: ",")
    }

    private static func digest(_ key: String) -> [UInt8] { Array(SHA256.hash(data: Data(key.utf8))) }
}
