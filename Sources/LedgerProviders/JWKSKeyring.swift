import Foundation
import LedgerCore

/// The Ed25519 keys of a JSON Web Key Set (RFC 7517; OKP keys, RFC 8037),
/// fetched when first needed, kept for a day, fetched again sooner when a
/// webhook verifies with none of them (the provider rotated its key), but
/// at most once a minute (a flood of forged webhooks does not become a flood
/// of fetches). A fetch that fails keeps the keys it had.
public actor JWKSKeyring {
    public typealias Fetch = @Sendable () async throws -> Data
    public static let keptFor: Duration = .seconds(24 * 3600)
    public static let refetchedAtMostEvery: Duration = .seconds(60)

    /// Where the keys come from, for messages (`https://…` or a file path).
    public nonisolated let source: String
    private let fetch: Fetch
    private let refetchInterval: Duration
    private let clock = ContinuousClock()
    private var keys: [Data] = []
    private var fetchedAt: ContinuousClock.Instant?
    private var lastFailure: String?

    public init(source: String, refetchedAtMostEvery: Duration = JWKSKeyring.refetchedAtMostEvery, fetch: @escaping Fetch) {
        self.source = source
        self.fetch = fetch
        refetchInterval = refetchedAtMostEvery
    }

    /// A key set in a file, read again when the keys are refreshed.
    public static func file(_ path: String) -> JWKSKeyring {
        JWKSKeyring(source: path) { try Data(contentsOf: URL(fileURLWithPath: path)) }
    }

    /// The keys as they are (fetched first if never, or over a day ago).
    public func current() async -> [Data] {
        if fetchedAt.map({ clock.now - $0 > Self.keptFor }) ?? true { await refresh() }
        return keys
    }

    /// The keys after fetching again, unless they were fetched within the last minute.
    public func afterUnknownKey() async -> [Data] {
        if fetchedAt.map({ clock.now - $0 >= refetchInterval }) ?? true { await refresh() }
        return keys
    }

    /// Why the last fetch failed, if it did.
    public var failure: String? { lastFailure }

    private func refresh() async {
        fetchedAt = clock.now
        do {
            keys = try Self.ed25519Keys(in: try await fetch())
            lastFailure = nil
        } catch {
            lastFailure = "\(error)"
        }
    }

    /// The raw 32-byte public keys of the set's Ed25519 keys (others are skipped).
    public static func ed25519Keys(in json: Data) throws -> [Data] {
        struct KeySet: Decodable { var keys: [Key] }
        struct Key: Decodable { var kty: String?, crv: String?, x: String?, use: String? }
        let set = try JSONDecoder().decode(KeySet.self, from: json)
        return set.keys.compactMap { key in
            guard key.kty == "OKP", key.crv == "Ed25519", key.use == nil || key.use == "sig", let x = key.x else { return nil }
            return Base64URL.decode(x).flatMap { $0.count == 32 ? $0 : nil }
        }
    }
}
