import LedgerCore
import LedgerProviders

/// Where settings come from, in the order they win: the environment, then
/// the configuration file, then the defaults. The parsers name a setting by
/// its environment name; ``named(_:)`` turns that into the name the user
/// gave it, so an error points at the line to fix.
struct ConfigurationSources: Sendable {
    var environment: [String: String]
    var file: ConfigurationFile

    /// The value set for `setting`, from the environment or else the file; nil when neither sets it.
    func configured(_ setting: Setting) -> String? {
        environment[setting.environmentName] ?? file.values[setting]
    }

    /// The value in effect: as configured, else the default.
    func text(_ setting: Setting) -> String? {
        configured(setting) ?? setting.defaultText
    }

    /// The error as the user will read it: a setting the file gave (and the
    /// environment did not) named by its key in the file.
    func named(_ error: ConfigurationError) -> ConfigurationError {
        guard environment[error.key] == nil, let path = file.path,
              let setting = file.values.keys.first(where: { $0.environmentName == error.key }) else { return error }
        return ConfigurationError(key: "\(setting.key) (in \(path))", detail: error.detail)
    }

    // MARK: Typed readers: each throws an error naming the setting.

    /// A duration like `500ms`, `30s`, `5m`, `2h` or `90d`, in milliseconds,
    /// more than zero and at most `max` (given as written, for the error).
    func milliseconds(_ setting: Setting, max: String? = nil,
                      example: String = "500ms, 30s, 5m, 2h or 90d") throws(ConfigurationError) -> Int64? {
        guard let text = text(setting) else { return nil }
        let limit = max.flatMap(DurationText.milliseconds) ?? .max
        guard let value = DurationText.milliseconds(text), value > 0, value <= limit else {
            throw ConfigurationError(key: setting.environmentName,
                                     detail: "\(text) is not a duration like \(example)" + (max.map { " (at most \($0))" } ?? ""))
        }
        return value
    }

    /// The same, for a setting that has a default: there is always a value,
    /// and no second default beside the one in ``Setting``.
    func requiredMilliseconds(_ setting: Setting, max: String? = nil,
                              example: String = "500ms, 30s, 5m, 2h or 90d") throws(ConfigurationError) -> Int64 {
        guard let value = try milliseconds(setting, max: max, example: example) else {
            preconditionFailure("\(setting.key) has no default")
        }
        return value
    }

    /// A duration with a default, in milliseconds, that must be whole seconds:
    /// the watchdog's thresholds are recorded in the ledger in seconds (for a
    /// cron's `watchdog --once`, `doctor`, the admin pages and the `stuck_jobs`
    /// view), and `500ms` recorded as 0 s was judged as 2 h by every one of them.
    func requiredWholeSeconds(_ setting: Setting) throws(ConfigurationError) -> Int64 {
        let value = try requiredMilliseconds(setting, example: "30s, 5m, 2h or 90d")
        guard value % 1000 == 0 else {
            throw ConfigurationError(key: setting.environmentName,
                                     detail: "\(text(setting) ?? "") is not whole seconds (30s, 5m, 2h): the ledger records it in seconds")
        }
        return value
    }

    /// A size like `512`, `64KiB`, `1MiB` or `1GiB`, in bytes, at most `max`.
    func bytes(_ setting: Setting, max: Int) throws(ConfigurationError) -> Int {
        let text = text(setting) ?? ""
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, multiplier) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value > 0, value <= max / multiplier {
                return value * multiplier
            }
        }
        throw ConfigurationError(key: setting.environmentName, detail: "\(text) is not a size like 1MiB, 64KiB or 4096 (at most \(max >> 20)MiB)")
    }

    /// One of a fixed set of words.
    func choice<Value: RawRepresentable<String>>(_ setting: Setting, _ type: Value.Type,
                                                 allowed: String) throws(ConfigurationError) -> Value? {
        guard let text = text(setting) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw ConfigurationError(key: setting.environmentName, detail: "\(text) is not \(allowed)")
        }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`).
    func flag(_ setting: Setting) throws(ConfigurationError) -> Bool {
        switch text(setting) ?? "false" {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        case let other: throw ConfigurationError(key: setting.environmentName, detail: "\(other) is not true or false")
        }
    }
}
