import ArgumentParser
import Foundation
import Hummingbird
import LedgerCore
import LedgerHTTP
import LedgerStore

/// `ledger serve`: the HTTP service on the embedded database.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the ledger's HTTP service.",
        discussion: """
            With no configuration it listens on 127.0.0.1:8080, uses ./ledger.sqlite, and creates
            development API keys in a file only its owner can read (the path is printed).
            Environment: LEDGER_DB, LEDGER_HOST, LEDGER_PORT, LEDGER_KEYS (app:KEY,admin:KEY,auditor:KEY),
            LEDGER_DURABILITY (full|normal), LEDGER_MAX_BODY (e.g. 1MiB), LEDGER_IDLE_TIMEOUT (default 30s),
            LEDGER_PROVIDER_<NAME>_SECRET (whsec_ and/or whpk_ keys for Standard Webhooks providers; the
            ?token= value for wavespeed and nca; several separated by spaces to rotate).
            --config FILE: the same settings as JSON ({"port": 9000, "providers": {"acme": {...}}}),
            with custom provider profiles; the environment wins over the file.
            An invalid value stops start-up with one line naming the variable (exit 2).

            Example:
              LEDGER_PORT=9000 ledger serve --db ./ledger.sqlite
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "A JSON configuration file (keys as the LEDGER_ variables without the prefix, in lower case; environment wins).")
    var config: String?
    @Option(help: "Address to listen on (default: $LEDGER_HOST, else 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default: $LEDGER_PORT, else 8080).") var port: Int?

    func run() async throws {
        let settings: ServeSettings
        do {
            let file = try config.map { path throws(ConfigurationError) in try ConfigurationFile(path: path) } ?? ConfigurationFile()
            // The environment wins over the file; flags win over both.
            let environment = file.environment.merging(ProcessInfo.processInfo.environment) { _, fromEnvironment in fromEnvironment }
            settings = try ServeSettings(environment: environment, profiles: file.profiles, host: host, port: port,
                                         databasePath: database.path ?? environment["LEDGER_DB"] ?? "./ledger.sqlite")
        } catch {
            throw CommandFailure(.usage, error.description)
        }
        let store: SQLiteEventStore
        do {
            store = try SQLiteEventStore(path: settings.databasePath, options: StoreOptions(durability: settings.durability))
        } catch {
            throw CommandFailure(error)
        }
        let router = buildRouter(LedgerServices(store: store, keys: settings.keys, requestBodyBytesMax: settings.requestBodyBytesMax,
                                                providers: settings.providers))
        // Hummingbird closes no idle connection by default: slow or silent clients
        // would hold sockets for ever.
        let app = Application(router: router,
                              server: .http1(configuration: .init(idleTimeout: .milliseconds(settings.idleTimeoutMilliseconds))),
                              configuration: .init(address: .hostname(settings.host, port: settings.port)))
        FileHandle.standardError.write(Data("""
            ledger: serving http://\(settings.host):\(settings.port) with \(settings.databasePath) (durability \(settings.durability.rawValue))
            \(settings.keysNotice)

            """.utf8))
        try await app.runService()
    }
}

/// `serve`'s configuration, read once from the environment and flags.
struct ServeSettings {
    var host: String
    var port: Int
    var databasePath: String
    var keys: APIKeys
    var keysNotice: String
    var durability: StoreOptions.Durability
    var requestBodyBytesMax: Int
    var providers: ProviderRegistry
    var idleTimeoutMilliseconds: Int64

    init(environment: [String: String], profiles custom: [String: ProviderProfile] = [:], host: String?, port: Int?, databasePath: String) throws(ConfigurationError) {
        self.host = host ?? environment["LEDGER_HOST"] ?? "127.0.0.1"
        let portText = port.map(String.init) ?? environment["LEDGER_PORT"] ?? "8080"
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ConfigurationError(key: "LEDGER_PORT", detail: "\(portText) is not a port (1-65535)")
        }
        self.port = port
        self.databasePath = databasePath
        let durabilityText = environment["LEDGER_DURABILITY"] ?? "full"
        guard let durability = StoreOptions.Durability(rawValue: durabilityText) else {
            throw ConfigurationError(key: "LEDGER_DURABILITY", detail: "\(durabilityText) is not full or normal")
        }
        self.durability = durability
        requestBodyBytesMax = try Self.bytes(environment["LEDGER_MAX_BODY"] ?? "1MiB", key: "LEDGER_MAX_BODY")
        let profiles = ProviderProfile.builtIn.merging(custom) { builtIn, _ in builtIn }
        var secrets: [String: String] = [:]
        for name in profiles.keys {
            if let secret = environment[ProviderRegistry.secretKey(name)] { secrets[name] = secret }
        }
        providers = try ProviderRegistry(profiles: profiles, secrets: secrets)
        let idle = environment["LEDGER_IDLE_TIMEOUT"] ?? "30s"
        guard let idleMilliseconds = DurationText.milliseconds(idle), idleMilliseconds <= 3_600_000 else {
            throw ConfigurationError(key: "LEDGER_IDLE_TIMEOUT", detail: "\(idle) is not a duration like 500ms, 30s or 5m (at most 1h)")
        }
        idleTimeoutMilliseconds = idleMilliseconds
        if let configured = environment["LEDGER_KEYS"] {
            keys = try APIKeys(parsing: configured)
            keysNotice = "API keys from LEDGER_KEYS"
        } else {
            let (text, path) = try Self.developmentKeys(besideDatabase: databasePath)
            keys = try APIKeys(parsing: text)
            keysNotice = "development API keys (no LEDGER_KEYS): \(path)"
        }
    }

    /// `512`, `64KiB`, `1MiB`.
    static func bytes(_ text: String, key: String) throws(ConfigurationError) -> Int {
        let units: [(String, Int)] = [("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, multiplier) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value > 0, value <= (64 << 20) / multiplier {
                return value * multiplier
            }
        }
        throw ConfigurationError(key: key, detail: "\(text) is not a size like 1MiB, 64KiB or 4096 (at most 64MiB)")
    }

    /// The development keys, created once beside the database, readable by its owner only.
    static func developmentKeys(besideDatabase databasePath: String) throws(ConfigurationError) -> (String, String) {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        let path = folder.appendingPathComponent("ledger-dev-keys.txt").path
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            return (existing.trimmingCharacters(in: .whitespacesAndNewlines), path)
        }
        let keys = APIKeys.generateDevelopmentKeys()
        guard FileManager.default.createFile(atPath: path, contents: Data((keys + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set, and \(path) cannot be written for development keys")
        }
        return (keys, path)
    }
}
