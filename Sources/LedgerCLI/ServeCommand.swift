import ArgumentParser
import Foundation
import Hummingbird
import LedgerBackground
import LedgerCore
import LedgerProviders
import LedgerHTTP
import LedgerPostgres
import LedgerSQLite
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
            With no configuration it listens on 127.0.0.1:8080, uses ./ledger.sqlite, and
            creates development API keys in a file only its owner can read (the path is
            printed). Environment: LEDGER_DB, LEDGER_HOST, LEDGER_PORT, LEDGER_KEYS
            (app:KEY,admin:KEY,auditor:KEY), LEDGER_DURABILITY (full|normal),
            LEDGER_MAX_BODY (e.g. 1MiB), LEDGER_IDLE_TIMEOUT (default 30s),
            LEDGER_READ_TIMEOUT (a body must arrive within it, default 30s),
            LEDGER_LOG_LEVEL (default info; logs are JSON lines on stderr),
            LEDGER_PROVIDER_<NAME>_SECRET (whsec_ and/or whpk_ keys for Standard Webhooks
            providers; the ?token= value for wavespeed and nca; several separated by
            spaces to rotate). --config FILE: the same settings as JSON ({"port": 9000,
            "providers": {"acme": {...}}}), with custom provider profiles; the environment
            wins over the file. An invalid value stops start-up with one line naming the
            variable (exit 2).

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
        let configuration = try Self.configuration(database: database, file: config, host: host, port: port)
        let keys: APIKeys
        do { keys = try configuration.requireServing() } catch { throw CommandFailure(.usage, error.description) }
        let settings = configuration.server
        let providers = configuration.providers.profiles.keys.sorted()
        let backgroundSettings = configuration.background
        let logger = Logger(label: "ledger") { label in JSONLogHandler(label: label, level: configuration.logLevel) }
        if !PostgresLocation.isPostgresURL(configuration.databaseLocation) {
            try ServeLock.hold(sqliteDatabase: configuration.databaseLocation)
        }
        let store = try await Self.openStore(configuration, logger: logger)
        let background = BackgroundComposition(store: store, settings: backgroundSettings, providers: providers, logger: logger)
        Self.warnOfUnpolledProviders(configuration, poller: background.poller, logger: logger)
        let readiness = Readiness()
        let metrics = LedgerMetrics(version: LedgerVersion.text)
        var providerRegistry = configuration.providers
        for (name, source) in configuration.providerKeySets {
            let keyring = switch source {
            case .file(let path): JWKSKeyring.file(path)
            case .url(let url): JWKSKeyring.fetched(from: url, with: background.outbound)
            }
            providerRegistry.use(keyring, for: name)
            // Fetched before the first webhook needs it (a failure is retried when one does); a
            // failure is said now, or a host without the network would first show it as refused webhooks.
            Task {
                guard (await keyring.current()).isEmpty else { return }
                let failure = await keyring.failure
                logger.error("the provider's signing keys could not be read: its webhooks are answered 503 until they are", metadata: [
                    "provider": .string(name), "source": .string(keyring.source),
                    "error": .string(failure ?? "the key set holds no Ed25519 key"),
                ])
            }
        }
        let router = buildRouter(LedgerServices(store: store, keys: keys, requestBodyBytesMax: settings.requestBodyBytesMax,
                                                providers: providerRegistry, metrics: metrics, readiness: readiness,
                                                bodyReadTimeout: .milliseconds(settings.readTimeoutMilliseconds),
                                                background: background, bodyBudget: BodyBudget(bytesMax: settings.bodyBytesHeldMax)))
        let listening = ListeningFlag()
        let connections = ConnectionLimit(connectionsMax: settings.connectionsMax)
        // Hummingbird closes no idle connection by default: slow or silent clients
        // would hold sockets for ever. "serving" is said once the socket is bound.
        let app = Application(router: router,
                              server: .http1(configuration: .init(
                                  additionalChannelHandlers: [connections.handler { metrics.shedForConnectionLimit() }],
                                  idleTimeout: .milliseconds(settings.connectionIdleMilliseconds))),
                              configuration: .init(address: .hostname(settings.host, port: settings.port)),
                              onServerRunning: { _ in
                                  listening.set()
                                  logger.notice("serving", metadata: [
                                      "address": .string("http://\(settings.host):\(settings.port)"), "db": .string(databaseLabel(configuration.databaseLocation)),
                                      "durability": .string(settings.durability.rawValue), "version": .string(LedgerVersion.text),
                                      "connections_max": .stringConvertible(settings.connectionsMax),
                                      "configuration": .string(configuration.origin),
                                  ])
                              },
                              logger: logger)
        // Shut down in reverse order: readiness turns false and long polls are
        // answered first, then the background services finish their round, then
        // the server stops accepting and lets in-flight requests finish, and last
        // the engine commits what is queued and closes its connections; past the
        // grace, whatever is left is cancelled.
        var group = ServiceGroupConfiguration(
            services: [.init(service: EngineService(engine: store), successTerminationBehavior: .ignore), .init(service: app)]
                + Self.backgroundServices(background, logger: logger, listening: listening)
                + Self.checkpointService(configuration, store: store, logger: logger, listening: listening) + [
                .init(service: ShutdownGate(readiness: readiness, store: store, logger: logger,
                                            delayMilliseconds: settings.shutdownDelayMilliseconds),
                      successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .milliseconds(settings.shutdownGraceMilliseconds)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch {
            await background.shutdown()
            if !listening.isSet { throw CommandFailure(.cannotListen, Self.listenFailure(error, settings)) }
            throw error
        }
        await background.shutdown()
        logger.notice("stopped")
    }

    /// The configuration, read once. With none at all (no file, no
    /// `LEDGER_KEYS`), development keys and secrets are written to an
    /// owner-only file beside the database and read from there. `--host` and
    /// `--port` win over every source.
    static func configuration(database: DatabaseOption, file: String?, host: String?, port: Int?) throws -> LedgerConfiguration {
        var path = file
        if file == nil && ProcessInfo.processInfo.environment[Setting.keys.environmentName] == nil {
            let location = try database.configuration().databaseLocation
            // A refused database leaves no keys file behind (beside another application's file, say).
            if !PostgresLocation.isPostgresURL(location) {
                do { try SQLiteEventStore.lookAt(location) } catch { throw CommandFailure(error) }
            }
            do { path = try DevelopmentConfiguration.ensure(besideDatabase: location) } catch {
                throw CommandFailure(.usage, error.description)
            }
        }
        var configuration = try database.configuration(file: path)
        if file == nil, let path { configuration.origin = "development keys and secrets (no configuration): \(path)" }
        if let host { configuration.server.host = host }
        if let port {
            guard (1...65_535).contains(port) else { throw CommandFailure(.usage, "--port: \(port) is not a port (1-65535)") }
            configuration.server.port = port
        }
        return configuration
    }

    /// A provider whose webhooks are checked (its secret is set) but whose
    /// jobs can never be polled is said once at start: a lost webhook of its
    /// is then noticed only at the deadline, and the watchdog's "poll now"
    /// does nothing (an on-call found it only by reading the code).
    static func warnOfUnpolledProviders(_ configuration: LedgerConfiguration, poller: Poller, logger: Logger) {
        for name in configuration.providers.profiles.keys.sorted() where configuration.providers.credentials(for: name) != nil {
            guard let why = poller.unpollable(name) else { continue }
            logger.warning("a provider's jobs are never polled: a lost webhook is noticed only at the deadline", metadata: [
                "provider": .string(name), "why": .string(why),
            ])
        }
    }

    /// Opens the store after looking at the file (a damaged, foreign or newer
    /// database is refused before anything is written) and records the settings
    /// that decide, for cron commands.
    static func openStore(_ configuration: LedgerConfiguration, logger: Logger) async throws -> any LedgerEngine {
        var options = StoreOptions(durability: configuration.server.durability,
                                   lateCompletionPolicy: configuration.lateCompletionPolicy)
        options.notificationsEnabled = configuration.background.notifyURL != nil
        options.notifyEvents = configuration.background.notifyEvents
        options.startupQuickCheckMilliseconds = configuration.server.startupQuickCheckMilliseconds
        let store: any LedgerEngine
        do {
            store = try await openEngine(configuration.databaseLocation, options: options, logger: logger)
        } catch {
            // Once, at error level, then exit 3: a database that refuses the login or
            // is not there does not mend by itself (docs/decisions.md).
            logger.error("the database cannot be used", metadata: [
                "db": .string(databaseLabel(configuration.databaseLocation)), "error": .string(error.description),
            ])
            throw CommandFailure(error)
        }
        if let sqlite = store as? SQLiteEventStore, case .quickCheckStopped(let milliseconds) = sqlite.startupIntegrity {
            logger.warning("start-up integrity check stopped", metadata: [
                "after_ms": .stringConvertible(milliseconds), "db": .string(databaseLabel(configuration.databaseLocation)),
                "advice": .string("a large file: nothing was found in the part checked; run ledger verify for all of it"),
            ])
        }
        // Served all the same (providers would otherwise lose their webhooks), but never in silence.
        for finding in try await storeCall({ () async throws(StoreError) in try await store.guardFindings() }) {
            logger.critical("the log is not protected by the database: its immutability guards are not as shipped", metadata: [
                "finding": .string(finding.detail), "db": .string(databaseLabel(configuration.databaseLocation)),
                "advice": .string(finding.remedy ?? StoreError.unguardedLogRemedy),
            ])
        }
        let own = RecordedSettings.of(options: options, background: configuration.background)
        let differences = RecordedSettings.differences(own, recorded: try await storeCall { () async throws(StoreError) in
            try await store.recordedSettings()
        })
        if !differences.isEmpty {
            // Each node decides by its own: nodes configured apart bill one late completion by the
            // policy of whichever node receives it, and judge deadlines by whichever holds the lease.
            logger.warning("this node's settings differ from those the ledger recorded (by the node that started last, or this node's previous start); they are recorded now", metadata: [
                "differences": .string(differences.joined(separator: "; ")),
                "advice": .string("every node serving one ledger must be configured alike: if this is a change, restart every node with it"),
            ])
        }
        try await storeCall { () async throws(StoreError) in try await store.recordSettings(own) }
        return store
    }

    /// One line for a server that never listened: the address and why.
    static func listenFailure(_ error: any Error, _ settings: ServerSettings) -> String {
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
            PeriodicService(name: "poller", intervalMilliseconds: background.settings.pollTickMilliseconds, clock: clock, logger: logger,
                            startWhen: startWhen, shutdown: background.shutdown) {
                _ = try await background.whileLeased(.poller) { _ = try await background.poller.runOnce() }
            },
            PeriodicService(name: "watchdog", intervalMilliseconds: background.settings.watchdogIntervalMilliseconds, clock: clock, logger: logger,
                            startWhen: startWhen, shutdown: background.shutdown) {
                _ = try await background.whileLeased(.watchdog) { _ = try await background.watchdog.runOnce() }
            },
        ]
        if let notifier = background.notifier {
            services.append(PeriodicService(name: "notifier", intervalMilliseconds: background.settings.notifyTickMilliseconds, clock: clock, logger: logger,
                                            startWhen: startWhen, shutdown: background.shutdown) {
                _ = try await background.whileLeased(.notifier) { _ = try await notifier.runOnce() }
            })
        }
        if let age = background.settings.retainBodiesMilliseconds {
            services.append(PeriodicService(name: "retention", intervalMilliseconds: background.settings.retentionIntervalMilliseconds,
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

    /// With a checkpoint key: a signed checkpoint once the server listens and
    /// every LEDGER_CHECKPOINT_INTERVAL after, when the log has grown since
    /// the newest. Every node may write one (the same key and origin sign the
    /// same tree size identically), so none needs a lease.
    static func checkpointService(_ configuration: LedgerConfiguration, store: any LedgerEngine, logger: Logger,
                                  listening: ListeningFlag) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let signer = configuration.checkpointSigner else { return [] }
        let origin = configuration.logOrigin
        let service = PeriodicService(name: "checkpoint", intervalMilliseconds: configuration.checkpointIntervalMilliseconds, clock: SystemClock(),
                                      logger: logger, startWhen: { await listening.wait() }) {
            if let others = try await LogProofs(store).newestSignedByOthers(than: signer) {
                logger.warning("the newest checkpoint is signed by another key: this node signs one with its own", metadata: [
                    "newest_signed_by": .string(others.joined(separator: ", ")), "this_node_signs_as": .string(signer.name),
                    "advice": .string("once after a key rotation this is expected; at every interval, nodes have different "
                                      + "LEDGER_CHECKPOINT_KEYs and auditors' checks fail on and off: configure one key on every node"),
                ])
            }
            guard let note = try await LogProofs(store).checkpointIfGrown(signer: signer, origin: origin) else { return }
            logger.info("checkpoint", metadata: ["tree_size": "\((try? LogProofs.read(note).size) ?? 0)"])
        }
        return [.init(service: service, successTerminationBehavior: .ignore)]
    }
}

/// The engine in serve's service group, first so it stops last: on graceful
/// shutdown it commits the writes still queued and closes its connections,
/// its change listener and its writer.
struct EngineService: Service {
    let engine: any LedgerEngine

    func run() async throws {
        try? await gracefulShutdown()
        // The background rounds have ended: another node takes the services at its next round.
        await engine.releaseLeases(holder: BackgroundComposition.holder)
        await engine.close()
    }
}

/// When graceful shutdown begins, before the server drains: readiness turns
/// false, and long polls are answered at once with the job as it is; then,
/// with `shutdown_delay`, the server goes on accepting that long, so that a
/// balancer probing `/readyz` stops sending before the port closes.
struct ShutdownGate: Service {
    let readiness: Readiness
    let store: any LedgerEngine
    let logger: Logger
    let delayMilliseconds: Int64

    func run() async throws {
        try? await gracefulShutdown()
        // An on-call reading the log sees the stop begin (a signal, or a service that failed), then
        // "stopped" once readiness is false, long polls answered, background rounds and requests done.
        logger.notice("shutting down")
        readiness.shutdownBegan()
        store.releaseWaiters()
        // The services after this one in the group (the server among them) stop once it returns.
        if delayMilliseconds > 0 { try? await Task.sleep(for: .milliseconds(delayMilliseconds)) }
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
