import ArgumentParser
import Foundation
import Hummingbird
import LedgerBackground
import LedgerCore
import LedgerProviders
import LedgerHTTP
import LedgerStore
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

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
            LEDGER_READ_TIMEOUT (a body must arrive within it, default 30s),
            LEDGER_LOG_LEVEL (default info; logs are JSON lines on stderr),
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
        // A write past a file-size limit (`ulimit -f`) must fail with EFBIG and be
        // answered 503 like a full disk, not kill the server with SIGXFSZ.
        signal(SIGXFSZ, SIG_IGN)
        let settings: ServeSettings
        var environment: [String: String] = [:]
        do {
            let processEnvironment = ProcessInfo.processInfo.environment
            let databasePath = database.resolvedPath
            // No configuration at all: development keys and secrets in an owner-only file.
            let development = config == nil && processEnvironment["LEDGER_KEYS"] == nil
            let configPath = try development ? DevelopmentConfiguration.ensure(besideDatabase: databasePath) : config
            let file = try ConfigurationFile.load(configPath)
            // The environment wins over the file; flags win over both.
            environment = file.environment(overriddenBy: processEnvironment)
            settings = try ServeSettings(environment: environment, profiles: file.profiles, host: host, port: port,
                                         databasePath: database.path ?? Setting.db.textOrDefault(in: environment),
                                         configurationNotice: development ? "development keys and secrets (no configuration): \(configPath ?? "")"
                                             : configPath.map { "configuration from \($0) and the environment" } ?? "configuration from the environment")
        } catch {
            throw CommandFailure(.usage, error.description)
        }
        let providers = settings.providers.profiles.keys.sorted()
        let backgroundSettings: BackgroundSettings
        do { backgroundSettings = try BackgroundSettings(environment: environment, providers: providers) } catch {
            throw CommandFailure(.usage, error.description)
        }
        let logger = Logger(label: "ledger") { label in JSONLogHandler(label: label, level: settings.logLevel) }
        let store = try await Self.openStore(settings, backgroundSettings, environment: environment, logger: logger)
        let background = BackgroundComposition(store: store, settings: backgroundSettings, providers: providers, logger: logger)
        let readiness = Readiness()
        let metrics = LedgerMetrics()
        let router = buildRouter(LedgerServices(store: store, keys: settings.keys, requestBodyBytesMax: settings.requestBodyBytesMax,
                                                providers: settings.providers, metrics: metrics, readiness: readiness,
                                                bodyReadTimeout: .milliseconds(settings.readTimeoutMilliseconds),
                                                background: background, bodyBudget: BodyBudget(bytesMax: settings.bodyBytesHeldMax)))
        let listening = ListeningFlag()
        let connections = ConnectionLimit(connectionsMax: settings.connectionsMax)
        // Hummingbird closes no idle connection by default: slow or silent clients
        // would hold sockets for ever. "serving" is said once the socket is bound.
        let app = Application(router: router,
                              server: .http1(configuration: .init(
                                  additionalChannelHandlers: [connections.handler { metrics.shedForConnectionLimit() }],
                                  idleTimeout: .milliseconds(settings.idleTimeoutMilliseconds))),
                              configuration: .init(address: .hostname(settings.host, port: settings.port)),
                              onServerRunning: { _ in
                                  listening.set()
                                  logger.notice("serving", metadata: [
                                      "address": .string("http://\(settings.host):\(settings.port)"), "db": .string(databaseLabel(settings.databasePath)),
                                      "durability": .string(settings.durability.rawValue),
                                      "connections_max": .stringConvertible(settings.connectionsMax),
                                      "configuration": .string(settings.configurationNotice),
                                  ])
                              },
                              logger: logger)
        // Shut down in reverse order: readiness turns false and long polls are
        // answered first, then the background services finish their round, then
        // the server stops accepting and lets in-flight requests finish; past the
        // grace, whatever is left is cancelled.
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: app)] + Self.backgroundServices(background, logger: logger, listening: listening) + [
                .init(service: ShutdownGate(readiness: readiness, store: store), successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(settings.shutdownGraceMilliseconds)
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            await background.shutdown()
            if !listening.isSet { throw CommandFailure(.cannotListen, Self.listenFailure(error, settings)) }
            throw error
        }
        await background.shutdown()
    }

    /// Opens the store after looking at the file (a damaged, foreign or newer
    /// database is refused before anything is written) and records the settings
    /// that decide, for cron commands.
    static func openStore(_ settings: ServeSettings, _ background: BackgroundSettings, environment: [String: String],
                          logger: Logger) async throws -> any LedgerEngine {
        var options = StoreOptions(durability: settings.durability, lateCompletionPolicy: try lateCompletionPolicy(environment))
        options.notificationsEnabled = background.notifyURL != nil
        options.notifyEvents = background.notifyEvents
        options.startupQuickCheckMilliseconds = settings.startupQuickCheckMilliseconds
        let store: any LedgerEngine
        do {
            store = try await openEngine(settings.databasePath, options: options, logger: logger)
        } catch {
            throw CommandFailure(error)
        }
        if let sqlite = store as? SQLiteEventStore, case .quickCheckStopped(let milliseconds) = sqlite.startupIntegrity {
            logger.warning("start-up integrity check stopped", metadata: [
                "after_ms": .stringConvertible(milliseconds), "db": .string(databaseLabel(settings.databasePath)),
                "advice": .string("a large file: nothing was found in the part checked; run ledger verify for all of it"),
            ])
        }
        try await storeCall { () async throws(StoreError) in
            try await store.recordSettings(RecordedSettings.of(options: options, background: background))
        }
        return store
    }

    /// One line for a server that never listened: the address and why.
    static func listenFailure(_ error: any Error, _ settings: ServeSettings) -> String {
        let reason: String = if let io = error as? IOError {
            String(cString: strerror(io.errnoCode)).lowercased()
                + (io.errnoCode == EADDRINUSE ? " (another process listens there: stop it or choose --port)" : "")
        } else {
            "\(error)"
        }
        return "cannot listen on \(settings.host):\(settings.port): \(reason); LEDGER_HOST, LEDGER_PORT, --host and --port choose the address"
    }

    /// The poller, the watchdog and (when LEDGER_NOTIFY_URL is set) the notifier.
    /// Each starts its first round once the server listens (`listening`).
    static func backgroundServices(_ background: BackgroundComposition, logger: Logger,
                                   listening: ListeningFlag) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let clock = SystemClock()
        let startWhen: @Sendable () async -> Void = { await listening.wait() }
        var services: [any Service] = [
            PeriodicService(name: "poller", interval: background.settings.pollTickMilliseconds, clock: clock, logger: logger,
                            startWhen: startWhen) {
                _ = try await background.whileLeased(.poller) { _ = try await background.poller.runOnce() }
            },
            PeriodicService(name: "watchdog", interval: background.settings.watchdogIntervalMilliseconds, clock: clock, logger: logger,
                            startWhen: startWhen) {
                _ = try await background.whileLeased(.watchdog) { _ = try await background.watchdog.runOnce() }
            },
        ]
        if let notifier = background.notifier {
            services.append(PeriodicService(name: "notifier", interval: background.settings.notifyTickMilliseconds, clock: clock, logger: logger,
                                            startWhen: startWhen) {
                _ = try await background.whileLeased(.notifier) { _ = try await notifier.runOnce() }
            })
        }
        if let age = background.settings.retainBodiesMilliseconds {
            services.append(PeriodicService(name: "retention", interval: background.settings.retentionIntervalMilliseconds,
                                            clock: clock, logger: logger, startWhen: startWhen) {
                _ = try await background.whileLeased(.retention) {
                    let cutoff = Timestamp(millisecondsSinceEpoch: Timestamp(Date()).millisecondsSinceEpoch - age)
                    let report = try await background.store.retainBodies(RetentionRun(cutoff: cutoff, operatorName: "serve"), dryRun: false)
                    if report.count + report.resumed > 0 {
                        logger.notice("retention", metadata: ["redacted": "\(report.count + report.resumed)", "cutoff": "\(cutoff.iso8601)"])
                    }
                }
            })
        }
        return services.map { .init(service: $0, successTerminationBehavior: .ignore) }
    }
}

/// When graceful shutdown begins, before the server drains: readiness turns
/// false, and long polls are answered at once with the job as it is.
struct ShutdownGate: Service {
    let readiness: Readiness
    let store: any LedgerEngine

    func run() async throws {
        try? await gracefulShutdown()
        readiness.shutdownBegan()
        store.releaseWaiters()
    }
}

/// Set once the server's socket is bound.
final class ListeningFlag: Sendable {
    private let state = Mutex(false)

    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }

    /// Returns once set, or when the task is cancelled (checks every 20 ms).
    func wait() async {
        while !isSet, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
    }
}

/// `serve`'s configuration, read once from the environment and flags.
struct ServeSettings {
    var host: String
    var port: Int
    var databasePath: String
    var keys: APIKeys
    var configurationNotice: String
    var durability: StoreOptions.Durability
    var requestBodyBytesMax: Int
    /// The request-body bytes held at once over every connection (`LEDGER_MAX_BODY_BYTES_HELD`).
    var bodyBytesHeldMax: Int
    var providers: ProviderRegistry
    var idleTimeoutMilliseconds: Int64
    var readTimeoutMilliseconds: Int64
    var logLevel: Logger.Level
    /// Connections kept open at once (`LEDGER_MAX_CONNECTIONS`; default: under the descriptor limit).
    var connectionsMax: Int
    /// How long SIGTERM waits for in-flight work before cancelling it (`LEDGER_SHUTDOWN_GRACE`).
    var shutdownGraceMilliseconds: Int64
    /// SQLite's `quick_check` at start-up, stopped after this long on a large file.
    var startupQuickCheckMilliseconds = 5_000

    init(environment: [String: String], profiles custom: [String: ProviderProfile] = [:], host: String?, port: Int?, databasePath: String,
         configurationNotice: String = "configuration from the environment") throws(ConfigurationError) {
        self.configurationNotice = configurationNotice
        self.host = host ?? Setting.host.textOrDefault(in: environment)
        let portText = port.map(String.init) ?? Setting.port.textOrDefault(in: environment)
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ConfigurationError(key: "LEDGER_PORT", detail: "\(portText) is not a port (1-65535)")
        }
        self.port = port
        self.databasePath = databasePath
        let durabilityText = Setting.durability.textOrDefault(in: environment)
        guard let durability = StoreOptions.Durability(rawValue: durabilityText) else {
            throw ConfigurationError(key: "LEDGER_DURABILITY", detail: "\(durabilityText) is not full or normal")
        }
        self.durability = durability
        requestBodyBytesMax = try Self.bytes(Setting.maxBody.textOrDefault(in: environment), key: Setting.maxBody.environmentName)
        bodyBytesHeldMax = try Self.bytes(Setting.maxBodyBytesHeld.textOrDefault(in: environment), key: Setting.maxBodyBytesHeld.environmentName,
                                          max: 4 << 30)
        guard bodyBytesHeldMax >= requestBodyBytesMax else {
            throw ConfigurationError(key: "LEDGER_MAX_BODY_BYTES_HELD", detail: "must be at least LEDGER_MAX_BODY (\(requestBodyBytesMax) bytes)")
        }
        let profiles = ProviderProfile.builtIn.merging(custom) { builtIn, _ in builtIn }
        var secrets: [String: String] = [:]
        var signingSecrets: [String: String] = [:]
        for name in profiles.keys {
            if let secret = environment[ProviderRegistry.secretKey(name)] { secrets[name] = secret }
            if let secret = environment[ProviderRegistry.signingSecretKey(name)] { signingSecrets[name] = secret }
        }
        // A provider configured by hand but given no secret would refuse every
        // webhook (401 per request): refuse the configuration instead.
        for name in custom.keys.sorted() where secrets[name] == nil && signingSecrets[name] == nil {
            throw ConfigurationError(key: "providers.\(name).secret",
                                     detail: "\(name) has a profile but no secret (\(ProviderRegistry.secretKey(name))): its webhooks would all be refused")
        }
        providers = try ProviderRegistry(profiles: profiles, secrets: secrets, signingSecrets: signingSecrets)
        let idle = Setting.idleTimeout.textOrDefault(in: environment)
        guard let idleMilliseconds = DurationText.milliseconds(idle), idleMilliseconds <= 3_600_000 else {
            throw ConfigurationError(key: "LEDGER_IDLE_TIMEOUT", detail: "\(idle) is not a duration like 500ms, 30s or 5m (at most 1h)")
        }
        idleTimeoutMilliseconds = idleMilliseconds
        let read = Setting.readTimeout.textOrDefault(in: environment)
        guard let readMilliseconds = DurationText.milliseconds(read), readMilliseconds > 0, readMilliseconds <= 600_000 else {
            throw ConfigurationError(key: "LEDGER_READ_TIMEOUT", detail: "\(read) is not a duration like 500ms, 30s or 5m (at most 10m)")
        }
        readTimeoutMilliseconds = readMilliseconds
        let grace = Setting.shutdownGrace.textOrDefault(in: environment)
        guard let graceMilliseconds = DurationText.milliseconds(grace), graceMilliseconds > 0, graceMilliseconds <= 600_000 else {
            throw ConfigurationError(key: "LEDGER_SHUTDOWN_GRACE", detail: "\(grace) is not a duration like 500ms, 10s or 1m (at most 10m)")
        }
        shutdownGraceMilliseconds = graceMilliseconds
        let derived = ConnectionLimit.derivedFromDescriptorLimit()
        let connectionsText = environment["LEDGER_MAX_CONNECTIONS"] ?? String(derived)
        guard let connections = Int(connectionsText), (1...derived).contains(connections) else {
            throw ConfigurationError(key: "LEDGER_MAX_CONNECTIONS",
                                     detail: "\(connectionsText) is not 1 to \(derived) (the descriptor limit less what the ledger needs besides)")
        }
        connectionsMax = connections
        logLevel = try LedgerCLI.logLevel(environment, default: .info)
        guard let configured = environment["LEDGER_KEYS"] else {
            throw ConfigurationError(key: "LEDGER_KEYS", detail: "not set: give app:KEY,admin:KEY,auditor:KEY in the environment or as keys in --config")
        }
        keys = try APIKeys(parsing: configured)
    }

    /// `512`, `64KiB`, `1MiB`, `1GiB`, at most `max` bytes.
    static func bytes(_ text: String, key: String, max: Int = 64 << 20) throws(ConfigurationError) -> Int {
        let units: [(String, Int)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1), ("", 1)]
        for (suffix, multiplier) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)), value > 0, value <= max / multiplier {
                return value * multiplier
            }
        }
        throw ConfigurationError(key: key, detail: "\(text) is not a size like 1MiB, 64KiB or 4096 (at most \(max >> 20)MiB)")
    }
}
