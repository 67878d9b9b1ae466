import Foundation

/// The providers `serve` accepts webhooks from: their profiles (built in and
/// configured) and the credentials each one's webhooks are checked against.
/// A profile without credentials is known but refused (401), never open.
public struct ProviderRegistry: Sendable {
    public private(set) var profiles: [String: ProviderProfile]
    private var credentials: [String: WebhookCredentials] = [:]

    /// `secrets` by provider name, as in `LEDGER_PROVIDER_<NAME>_SECRET`.
    public init(profiles: [String: ProviderProfile] = ProviderProfile.builtIn,
                secrets: [String: String] = [:]) throws(ConfigurationError) {
        self.profiles = profiles
        for (name, secret) in secrets {
            let key = Self.secretKey(name)
            guard let profile = profiles[name] else {
                throw ConfigurationError(key: key, detail: "no provider \(name) is built in or configured")
            }
            do {
                credentials[name] = try WebhookCredentials(parsing: secret, for: profile.authentication)
            } catch {
                guard case .misconfigured(let detail) = error else { preconditionFailure("parsing only misconfigures") }
                throw ConfigurationError(key: key, detail: detail)
            }
        }
    }

    /// The built-in profiles with no credentials: every webhook refused (401).
    public static let refusingAll: ProviderRegistry = {
        do { return try ProviderRegistry() } catch { preconditionFailure("no secrets cannot be misconfigured: \(error)") }
    }()

    public func profile(named name: String) -> ProviderProfile? { profiles[name] }

    public func credentials(for name: String) -> WebhookCredentials? { credentials[name] }

    /// The environment variable holding a provider's secret.
    public static func secretKey(_ name: String) -> String {
        "LEDGER_PROVIDER_\(name.uppercased())_SECRET"
    }
}
