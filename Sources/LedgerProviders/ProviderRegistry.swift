import Foundation

/// The providers `serve` accepts webhooks from: their profiles (built in and
/// configured) and the credentials each one's webhooks are checked against.
/// A profile without credentials is known but refused (401), never open.
public struct ProviderRegistry: Sendable {
    public private(set) var profiles: [String: ProviderProfile]
    private var credentials: [String: WebhookCredentials] = [:]
    private var keyrings: [String: JWKSKeyring] = [:]

    /// `secrets` by provider name, as in `LEDGER_PROVIDER_<NAME>_SECRET`;
    /// `signingSecrets` as in `LEDGER_PROVIDER_<NAME>_SIGNING_SECRET`, for a
    /// query-token provider that also signs (WaveSpeed's `v3`): with both, a
    /// webhook needs the token and the signature; with only the signing
    /// secret, the signature alone.
    public init(profiles: [String: ProviderProfile] = ProviderProfile.builtIn,
                secrets: [String: String] = [:], signingSecrets: [String: String] = [:]) throws(ConfigurationError) {
        self.profiles = profiles
        for (name, secret) in secrets {
            let key = Self.secretKey(name)
            guard let profile = profiles[name] else {
                throw ConfigurationError(key: key, detail: "no provider \(name) is built in or configured")
            }
            credentials[name] = try Self.configured(key) { () throws(WebhookRejection) in
                try WebhookCredentials(parsing: secret, for: profile.authentication)
            }
        }
        for (name, secret) in signingSecrets {
            let key = Self.signingSecretKey(name)
            guard let profile = profiles[name] else {
                throw ConfigurationError(key: key, detail: "no provider \(name) is built in or configured")
            }
            guard case .queryToken = profile.authentication else {
                throw ConfigurationError(key: key, detail: "\(name) signs with Standard Webhooks: its keys go in \(Self.secretKey(name))")
            }
            credentials[name] = try Self.configured(key) { () throws(WebhookRejection) in
                guard var existing = credentials[name] else { return try .signingOnly(secret) }
                try existing.addV3SigningSecrets(secret)
                return existing
            }
        }
    }

    private static func configured(_ key: String, _ parse: () throws(WebhookRejection) -> WebhookCredentials)
        throws(ConfigurationError) -> WebhookCredentials {
        do {
            return try parse()
        } catch {
            guard case .misconfigured(let detail) = error else { preconditionFailure("parsing only misconfigures") }
            throw ConfigurationError(key: key, detail: detail)
        }
    }

    /// The built-in profiles with no credentials: every webhook refused (401).
    public static let refusingAll: ProviderRegistry = {
        do { return try ProviderRegistry() } catch { preconditionFailure("no secrets cannot be misconfigured: \(error)") }
    }()

    public func profile(named name: String) -> ProviderProfile? { profiles[name] }

    public func credentials(for name: String) -> WebhookCredentials? { credentials[name] }

    /// Where a signing provider's public keys come from (``JWKSKeyring``).
    public func keyring(for name: String) -> JWKSKeyring? { keyrings[name] }

    /// Gives `name`'s webhooks the keys of `keyring` (the composition root
    /// builds it: fetching a URL is outbound I/O).
    public mutating func use(_ keyring: JWKSKeyring, for name: String) { keyrings[name] = keyring }

    /// fal's published keys, for a `fal_signature` provider with no `jwks_url` or `jwks_file`.
    public static let falJWKSURL = "https://rest.alpha.fal.ai/.well-known/jwks.json"

    /// The environment variable holding a provider's secret.
    public static func secretKey(_ name: String) -> String { environmentName(provider: name, key: "secret") }

    /// The environment variable holding a query-token provider's signing secret.
    public static func signingSecretKey(_ name: String) -> String { environmentName(provider: name, key: "signing_secret") }

    /// The environment variable of one provider's setting (`providers.NAME.KEY` in a configuration file).
    public static func environmentName(provider name: String, key: String) -> String {
        "LEDGER_PROVIDER_\(name.uppercased())_\(key.uppercased())"
    }
}
