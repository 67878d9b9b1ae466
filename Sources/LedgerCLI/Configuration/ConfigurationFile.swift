import Foundation
import LedgerCore
import LedgerProviders

/// `--config FILE`: a JSON object of settings by their keys (`"port": 8080`,
/// `"max_body": "1MiB"`), and a `providers` object with each provider's
/// `secret`, `base_url`, `api_key` and, for custom providers, their profile.
struct ConfigurationFile: Sendable {
    /// Where it was read from; nil for no file.
    var path: String?
    /// The values it sets, as written.
    var values: [Setting: String] = [:]
    /// Custom provider profiles by name.
    var profiles: [String: ProviderProfile] = [:]

    static let settingKeys = Set(Setting.all.map(\.key))

    init() {}

    /// The file at `path`, or an empty configuration when there is none.
    static func load(_ path: String?) throws(ConfigurationError) -> ConfigurationFile {
        try path.map { path throws(ConfigurationError) in try ConfigurationFile(path: path) } ?? ConfigurationFile()
    }

    init(path: String) throws(ConfigurationError) {
        self.path = path
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
            guard let setting = Setting.all.first(where: { $0.key == key }) else {
                throw ConfigurationError(key: key, detail: "unknown setting in \(path); known: \(Self.settingKeys.sorted().joined(separator: ", ")), providers")
            }
            values[setting] = try Self.scalar(value, key: key)
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
            for key in members.keys where !Setting.providerKeys.contains(key) && !ProviderProfile.profileKeys.contains(key) {
                throw ConfigurationError(key: "providers.\(name).\(key)", detail: "unknown provider setting")
            }
            for key in Setting.providerKeys {
                guard let value = members[key] else { continue }
                let setting = Setting.provider(name, key)
                values[setting] = try Self.scalar(value, key: setting.key)
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
