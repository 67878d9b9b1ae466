import ArgumentParser
import Foundation
import LedgerBackground
import LedgerCore
import LedgerHTTP
import LedgerProviders
import LedgerStore
import Logging

/// `--config FILE`, for the commands that read the service's configuration
/// (the environment wins over the file).
struct ConfigurationOption: ParsableArguments {
    @Option(help: "A JSON configuration file (as for serve); the environment wins over it.")
    var config: String?
}

/// The background services of one process, built from the configuration.
struct BackgroundComposition: Sendable {
    let settings: BackgroundSettings
    let outbound: OutboundClient
    let poller: Poller
    let watchdog: Watchdog
    let notifier: Notifier?
    let redriver: Redriver
    let store: any LedgerEngine
    /// Whether terminal changes are queued as notifications: this process
    /// delivers them (`LEDGER_NOTIFY_URL`), or a `ledger serve` recorded that
    /// it does. A re-drive only queues, so it needs no more than that.
    let notificationsOn: Bool
    /// Requested when `serve` begins to stop: the rounds start no new request.
    let shutdown = ShutdownSignal()

    /// `notificationsOn`: by default, whether this process delivers them.
    init(store: any LedgerEngine, settings: BackgroundSettings, providers: [String], clock: any LedgerClock = SystemClock(),
         notificationsOn: Bool? = nil, logger: Logger) {
        self.store = store
        self.settings = settings
        self.notificationsOn = notificationsOn ?? (settings.notifyURL != nil)
        outbound = OutboundClient(allowPrivateTargets: settings.allowPrivateTargets, responseBytesMax: settings.responseBytesMax)
        poller = Poller(store: store, settings: settings, outbound: outbound, clock: clock, providers: providers, logger: logger,
                        shutdown: shutdown)
        watchdog = Watchdog(store: store, policy: settings.watchdog, poller: poller, clock: clock, logger: logger, shutdown: shutdown)
        notifier = Notifier(store: store, settings: settings, outbound: outbound, clock: clock, logger: logger, shutdown: shutdown)
        redriver = Redriver(store: store, poller: poller, watchdog: watchdog)
    }

    func shutdown() async { await outbound.shutdown() }

    /// Runs one round of `service` if this process holds its lease (several
    /// nodes on one PostgreSQL ledger: one of them polls, judges, notifies);
    /// false when another node holds it. The lease outlives three rounds and is
    /// renewed while a round runs, so a node that dies is replaced within three
    /// rounds, and a long round keeps it.
    func whileLeased(_ service: BackgroundService, _ round: () async throws -> Void) async throws -> Bool {
        let milliseconds = max(3 * service.intervalMilliseconds(settings), 10_000)
        return try await store.whileHolding(service.rawValue, holder: Self.holder, milliseconds: milliseconds, round)
    }

    /// Why a notification cannot be queued or sent.
    static let notificationsOff = "notifications are off: set LEDGER_NOTIFY_URL and LEDGER_NOTIFY_SECRET"
        + " (on the ledger serve that delivers them, or here)"

    /// This process, as a lease holder: host, process id and a random part.
    static let holder = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}

/// The services that run on one node at a time, by lease name.
enum BackgroundService: String, Sendable {
    case poller, watchdog, notifier, retention

    /// What a cron round says when a node runs this service already.
    var heldElsewhere: String { "\(rawValue): another process holds the \(rawValue) lease (a ledger serve on this ledger); nothing done" }

    func intervalMilliseconds(_ settings: BackgroundSettings) -> Int64 {
        switch self {
        case .poller: settings.pollTickMilliseconds
        case .watchdog: settings.watchdogIntervalMilliseconds
        case .notifier: settings.notifyTickMilliseconds
        case .retention: settings.retentionIntervalMilliseconds
        }
    }
}

extension BackgroundComposition: BackgroundActions {
    func redrive(jobID: String, action: String, operatorName: String, reason: String) async throws(StoreError) -> RedriveAnswer {
        guard let action = RedriveAction(rawValue: action) else { return .notApplicable("no action \(action)") }
        if action == .notify && !notificationsOn { return .notApplicable(Self.notificationsOff) }
        let report = try await redriver.run(RedriveSelection(jobIDs: [jobID]), action: action, operatorName: operatorName,
                                            reason: reason, dryRun: false)
        if report.acted > 0 { return .acted }
        if report.repeated > 0 { return .repeated }
        let why = report.notApplicableReasons.keys.first ?? (report.unknownJobIDs.isEmpty ? "it does not apply" : "no such job")
        return .notApplicable("\(jobID) cannot be \(action.pastParticiple): \(why)")
    }
}

/// A logger for the command-line tools: JSON lines on stderr, quieter than
/// `serve` unless `LEDGER_LOG_LEVEL` says otherwise.
func commandLogger(_ configuration: LedgerConfiguration) -> Logger {
    let level = configuration.configured.contains(.logLevel) ? configuration.logLevel : .notice
    return Logger(label: "ledger") { label in JSONLogHandler(label: label, level: level) }
}

/// The settings `ledger serve` records in the ledger (`ledger_settings`) for
/// other processes and for the `stuck_jobs` view.
enum RecordedSettings {
    static let notifications = "notifications"
    static let lateCompletionPolicy = "late_completion_policy"
    static let notifyEvents = "notify_events"

    static func of(options: StoreOptions, background: BackgroundSettings) -> [String: String] {
        background.watchdog.recordedSettings.merging([
            notifications: options.notificationsEnabled ? "on" : "off",
            lateCompletionPolicy: options.lateCompletionPolicy.rawValue,
            notifyEvents: options.notifyEvents.rawValue,
        ]) { _, own in own }
    }

    /// The settings of `own` that differ from those `recorded` holds (the
    /// node that started last, or this one's previous start), as
    /// `key: this node's value (recorded: theirs)`, sorted.
    static func differences(_ own: [String: String], recorded: [String: String]) -> [String] {
        own.keys.sorted().compactMap { key in
            guard let theirs = recorded[key], theirs != own[key] else { return nil }
            return "\(key): \(own[key] ?? "") (recorded: \(theirs))"
        }
    }
}
