import Crypto
import Foundation
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
    private let entries: [(digest: [UInt8], role: Role)]

    /// Parses `app:KEY,admin:KEY`; throws a message naming the bad entry.
    public init(parsing text: String) throws(ConfigurationError) {
        var entries: [(digest: [UInt8], role: Role)] = []
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let role = Role(rawValue: parts[0]) else {
                throw ConfigurationError(key: "LEDGER_KEYS", detail: "entry \"\(parts.first ?? "")...\" is not role:KEY with role app, admin or auditor")
            }
            guard parts[1].utf8.count >= 16 else {
                throw ConfigurationError(key: "LEDGER_KEYS", detail: "the \(role.rawValue) key is shorter than 16 characters")
            }
            entries.append((Self.digest(parts[1]), role))
        }
        guard !entries.isEmpty else { throw ConfigurationError(key: "LEDGER_KEYS", detail: "no keys") }
        self.entries = entries
    }

    /// The role of `key`, or `nil`. Every stored key is compared (as SHA-256
    /// digests, byte by byte without early exit), so timing reveals nothing.
    public func role(of key: String) -> Role? {
        let presented = Self.digest(key)
        var found: Role?
        for entry in entries where ConstantTime.equal(entry.digest, presented) { found = entry.role }
        return found
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
