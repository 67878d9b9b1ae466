import Foundation
import LedgerBackground
import LedgerCore
import LedgerHTTP
import LedgerProviders
import LedgerStore
import Logging

/// The ledger's configuration as one typed value, read once when a command
/// starts: the environment wins over the configuration file, which wins over
/// the defaults (``Setting``). Every value is checked here, whichever command
/// runs, and a bad one stops it with one line naming the setting as it was given.
struct LedgerConfiguration: Sendable {
    /// Where the ledger is: a SQLite file or a `postgres://` URL.
    var databaseLocation: String
    var server: ServerSettings
    var background: BackgroundSettings
    /// `app:KEY,admin:KEY,auditor:KEY`; only `serve` needs them.
    var keys: APIKeys?
    var logLevel: Logger.Level
    var lateCompletionPolicy: LateCompletionPolicy
    var notifyEvents: NotifyEvents
    /// The settings the environment or the file set: where one is not, a
    /// command other than `serve` may choose otherwise (a quieter log level,
    /// the policy `serve` recorded in the ledger).
    var configured: Set<Setting>
    /// Every provider the ledger knows (built in and from the file), with their secrets.
    var providers: ProviderRegistry
    /// Provider profiles the configuration file defines.
    var customProfiles: [String: ProviderProfile]
    /// The secrets as configured, by provider, for `ledger sign` and `ledger send`.
    var providerSecrets: [String: String]
    var providerSigningSecrets: [String: String]
    /// Where each `fal_signature` provider's public keys come from.
    var providerKeySets: [String: KeySetSource]
    /// What signs checkpoints (`ledger checkpoint`, `serve`, `ledger prove`).
    var checkpointSigner: NoteSigner?
    /// How often `serve` writes a checkpoint when a key is configured.
    var checkpointIntervalMilliseconds: Int64
    /// The checkpoints' origin line; nil: derived from the log (``TreeCheckpoint/defaultOrigin(firstEventHash:)``).
    var logOrigin: String?
    /// Where the configuration came from, for the start-up log line.
    var origin: String

    /// Reads and checks everything; `databaseFlag` (`--db`) wins over every source.
    static func load(databaseFlag: String?, file path: String?,
                     environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LedgerConfiguration {
        var sources = ConfigurationSources(environment: environment, file: ConfigurationFile())
        do {
            sources.file = try ConfigurationFile.load(path)
            return try LedgerConfiguration(sources, databaseFlag: databaseFlag)
        } catch {
            throw CommandFailure(.usage, sources.named(error).description)
        }
    }

    init(_ sources: ConfigurationSources, databaseFlag: String?) throws(ConfigurationError) {
        databaseLocation = databaseFlag ?? sources.text(.db) ?? ""
        server = try ServerSettings(sources)
        customProfiles = sources.file.profiles
        let profiles = ProviderProfile.builtIn.merging(customProfiles) { builtIn, _ in builtIn }
        background = try BackgroundSettings(sources, providers: profiles.keys)
        keys = try sources.configured(.keys).map { text throws(ConfigurationError) in try APIKeys(parsing: text) }
        logLevel = try sources.choice(.logLevel, Logger.Level.self,
                                      allowed: "one of trace, debug, info, notice, warning, error, critical") ?? .info
        lateCompletionPolicy = try sources.choice(.latePolicy, LateCompletionPolicy.self, allowed: "keep_refund or recharge") ?? .keepRefund
        notifyEvents = try sources.choice(.notifyEvents, NotifyEvents.self, allowed: "terminal or all") ?? .terminal
        background.notifyEvents = notifyEvents
        configured = Set(Setting.all.filter { sources.configured($0) != nil })
        providerSecrets = profiles.keys.reduce(into: [:]) { $0[$1] = sources.configured(.provider($1, "secret")) }
        providerSigningSecrets = profiles.keys.reduce(into: [:]) { $0[$1] = sources.configured(.provider($1, "signing_secret")) }
        providers = try ProviderRegistry(profiles: profiles, secrets: providerSecrets, signingSecrets: providerSigningSecrets)
        providerKeySets = try Self.keySets(sources, profiles: profiles)
        checkpointSigner = try Self.checkpointSigner(sources)
        checkpointIntervalMilliseconds = try sources.requiredMilliseconds(.checkpointInterval)
        logOrigin = try Self.logOrigin(sources)
        origin = sources.file.path.map { "configuration from \($0) and the environment" } ?? "configuration from the environment"
    }

    /// A JWKS by URL (fetched by `serve` under the outbound rules) or in a file.
    enum KeySetSource: Equatable {
        case url(String)
        case file(String)
    }

    /// `jwks_file`, else `jwks_url`, else fal's published keys, for each
    /// `fal_signature` provider; one of the two at most.
    private static func keySets(_ sources: ConfigurationSources,
                                profiles: [String: ProviderProfile]) throws(ConfigurationError) -> [String: KeySetSource] {
        var sets: [String: KeySetSource] = [:]
        for (name, profile) in profiles {
            let url = sources.configured(.provider(name, "jwks_url")), file = sources.configured(.provider(name, "jwks_file"))
            guard case .falSignature = profile.authentication else {
                if url != nil || file != nil {
                    throw ConfigurationError(key: Setting.provider(name, url != nil ? "jwks_url" : "jwks_file").key,
                                             detail: "\(name) does not sign with fal_signature: it has no use for a JWKS")
                }
                continue
            }
            switch (url, file) {
            case (_?, _?):
                throw ConfigurationError(key: Setting.provider(name, "jwks_file").key, detail: "give jwks_url or jwks_file, not both")
            case (nil, let path?):
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw ConfigurationError(key: Setting.provider(name, "jwks_file").key, detail: "\(path) cannot be read")
                }
                sets[name] = .file(path)
            case (let address, nil):
                let address = address ?? ProviderRegistry.falJWKSURL
                guard address.hasPrefix("https://") || address.hasPrefix("http://") else {
                    throw ConfigurationError(key: Setting.provider(name, "jwks_url").key, detail: "must be an https:// URL")
                }
                sets[name] = .url(address)
            }
        }
        return sets
    }

    /// `PRIVATE+KEY+name+id+key` (C2SP), or, as keys made before checkpoints
    /// were notes, the base64 of a 32-byte seed (named `completion-ledger`).
    private static func checkpointSigner(_ sources: ConfigurationSources) throws(ConfigurationError) -> NoteSigner? {
        guard let text = sources.configured(.checkpointKey) else { return nil }
        do {
            if text.hasPrefix("PRIVATE+KEY+") { return try NoteSigner(privateKey: text) }
            guard let seed = Data(base64Encoded: text), seed.count == 32 else {
                throw NoteError("must be PRIVATE+KEY+<name>+<id>+<key> as ledger checkpoint --generate-key prints it")
            }
            return try NoteSigner(name: NoteSigner.legacyName, seed: seed)
        } catch {
            throw ConfigurationError(key: Setting.checkpointKey.environmentName, detail: "\(error)")
        }
    }

    /// A checkpoint's first line: printable, no spaces at its ends.
    private static func logOrigin(_ sources: ConfigurationSources) throws(ConfigurationError) -> String? {
        guard let text = sources.configured(.origin) else { return nil }
        guard !text.isEmpty, text == text.trimmingCharacters(in: .whitespaces),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ConfigurationError(key: Setting.origin.environmentName,
                                     detail: "must be one printable line without leading or trailing spaces, e.g. ledger.example.com/completions")
        }
        return text
    }

    /// `serve` needs what the other commands do not: API keys, and a secret
    /// for every provider configured by hand.
    func requireServing() throws(ConfigurationError) -> APIKeys {
        // A provider configured by hand but given no secret would refuse every
        // webhook (401 per request): refuse the configuration instead.
        for name in customProfiles.keys.sorted() where providerSecrets[name] == nil && providerSigningSecrets[name] == nil {
            throw ConfigurationError(key: Setting.provider(name, "secret").key,
                                     detail: "\(name) has a profile but no secret (\(Setting.provider(name, "secret").environmentName)): its webhooks would all be refused")
        }
        guard let keys else {
            throw ConfigurationError(key: Setting.keys.environmentName,
                                     detail: "not set: give app:KEY,admin:KEY,auditor:KEY in the environment or as keys in --config")
        }
        return keys
    }
}
