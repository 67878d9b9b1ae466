import Foundation
import LedgerCore
import LedgerProviders
import LedgerHTTP

/// `serve --config FILE`: a JSON object whose keys are the environment's
/// names without `LEDGER_`, in lower case (`"port": 8080`, `"max_body": "1MiB"`),
/// and a `providers` object with each provider's `secret`, `base_url`,
/// `api_key` and, for custom providers, their profile.
///
/// The file is turned into the same variables the environment sets, and the
/// environment wins; so one validation, with one error naming the key, serves both.
struct ConfigurationFile {
    /// `LEDGER_*` values the file sets.
    var environment: [String: String] = [:]
    /// Custom provider profiles by name.
    var profiles: [String: ProviderProfile] = [:]

    static let settingKeys = Set(Setting.all.map(\.key))
    static let providerSettingKeys = Setting.providerKeys

    init() {}

    /// The file at `path`, or an empty configuration when there is none.
    static func load(_ path: String?) throws(ConfigurationError) -> ConfigurationFile {
        try path.map { path throws(ConfigurationError) in try ConfigurationFile(path: path) } ?? ConfigurationFile()
    }

    /// The settings in effect: the environment wins over the file.
    func environment(overriddenBy process: [String: String]) -> [String: String] {
        environment.merging(process) { _, fromEnvironment in fromEnvironment }
    }

    init(path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: "--config", detail: "\(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8), case .object(let members)? = try? JSONParser.parse(text) else {
            throw ConfigurationError(key: "--config", detail: "\(path) is not a JSON object")
        }
        for (key, value) in members {
            if key == "providers" {
                try readProviders(value)
                continue
            }
            guard Self.settingKeys.contains(key) else {
                throw ConfigurationError(key: key, detail: "unknown setting in \(path); known: \(Self.settingKeys.sorted().joined(separator: ", ")), providers")
            }
            environment["LEDGER_" + key.uppercased()] = try Self.scalar(value, key: key)
        }
    }

    private mutating func readProviders(_ value: JSONValue) throws(ConfigurationError) {
        guard case .object(let providers) = value else {
            throw ConfigurationError(key: "providers", detail: "must be an object of provider name to settings")
        }
        for (name, settings) in providers {
            guard case .object(let members) = settings else {
                throw ConfigurationError(key: "providers.\(name)", detail: "must be an object")
            }
            for key in members.keys where !Self.providerSettingKeys.contains(key) && !ProviderProfile.profileKeys.contains(key) {
                throw ConfigurationError(key: "providers.\(name).\(key)", detail: "unknown provider setting")
            }
            for key in Self.providerSettingKeys {
                guard let setting = members[key] else { continue }
                environment["LEDGER_PROVIDER_\(name.uppercased())_\(key.uppercased())"] =
                    try Self.scalar(setting, key: "providers.\(name).\(key)")
            }
            if ProviderProfile.builtIn[name] == nil || members.keys.contains(where: ProviderProfile.profileKeys.contains) {
                profiles[name] = try ProviderProfile(configuredAs: name, members)
            }
        }
    }

    private static func scalar(_ value: JSONValue, key: String) throws(ConfigurationError) -> String {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return String(flag)
        default: throw ConfigurationError(key: key, detail: "must be a string, a whole number or true/false")
        }
    }
}
