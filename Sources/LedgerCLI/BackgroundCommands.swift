import ArgumentParser
import Foundation
import LedgerBackground
import LedgerCore
import LedgerProviders
import LedgerStore

/// The background services, once, for cron-style deployments.
struct BackgroundOnce {
    let database: DatabaseOption
    let configuration: ConfigurationOption

    func run(_ body: (BackgroundComposition) async throws -> String) async throws {
        let configuration = try database.configuration(file: self.configuration.config)
        let providers = configuration.providers.profiles.keys.sorted()
        var settings = configuration.background
        let logger = commandLogger(configuration)
        // Decisions made here (a poll's completion, a watchdog's failure) are
        // made as the server makes them: what this process is not told, it
        // takes from the settings the server recorded in the ledger.
        let recorded = try await configuration.withExisting { existing in
            try await storeCall { () async throws(StoreError) in try await existing.recordedSettings() }
        }
        if recorded[RecordedSettings.notifications] == nil {
            // A ledger no serve has opened (a new one, or one an import filled: settings are not
            // events, an export does not carry them): only this process's configuration decides.
            logger.warning("no serve has recorded its settings in this ledger: this command decides by its own configuration alone", metadata: [
                "notifications": .string(settings.notifyURL == nil ? "off" : "on"),
                "late_completion_policy": .string(configuration.lateCompletionPolicy.rawValue),
                "advice": .string("after an import (an export carries events, not settings), start serve once with the production "
                                  + "configuration, or give this command that configuration"),
            ])
        }
        func configuredOrRecorded<Value: RawRepresentable<String>>(_ setting: Setting, _ value: Value, _ name: String) -> Value {
            configuration.configured.contains(setting) ? value : recorded[name].flatMap(Value.init(rawValue:)) ?? value
        }
        var options = StoreOptions(lateCompletionPolicy: configuredOrRecorded(.latePolicy, configuration.lateCompletionPolicy,
                                                                              RecordedSettings.lateCompletionPolicy))
        options.notificationsEnabled = settings.notifyURL != nil || recorded[RecordedSettings.notifications] == "on"
        options.notifyEvents = configuredOrRecorded(.notifyEvents, configuration.notifyEvents, RecordedSettings.notifyEvents)
        settings.notifyEvents = options.notifyEvents
        settings.watchdog = watchdogThresholds(settings.watchdog, recorded, set: configuration.configured)
        let store = try await configuration.openExisting(options: options)
        let composition = BackgroundComposition(store: store, settings: settings, providers: providers,
                                                notificationsOn: options.notificationsEnabled, logger: logger)
        let summary: String
        do {
            summary = try await body(composition)
        } catch {
            // The HTTP client must be shut down on every path before it is released.
            await composition.shutdown()
            await store.close()
            if let storeError = error as? StoreError { throw CommandFailure(storeError) }
            throw error
        }
        await composition.shutdown()
        // A cron round is one round: serve's node takes the service again at its next, not three rounds later.
        await store.releaseLeases(holder: BackgroundComposition.holder)
        await store.close()
        writeOut(summary)
    }
}

/// The watchdog's thresholds: each one configured for this process, else
/// the one the server recorded.
private func watchdogThresholds(_ configured: WatchdogPolicy, _ recorded: [String: String],
                                  set: Set<Setting>) -> WatchdogPolicy {
    let ledger = configured.recorded(recorded)
    return WatchdogPolicy(
        stuckAfterMilliseconds: set.contains(.stuckAfter) ? configured.stuckAfterMilliseconds : ledger.stuckAfterMilliseconds,
        deadlineMilliseconds: set.contains(.deadline) ? configured.deadlineMilliseconds : ledger.deadlineMilliseconds,
        submitDeadlineMilliseconds: set.contains(.submitDeadline) ? configured.submitDeadlineMilliseconds : ledger.submitDeadlineMilliseconds)
}

/// `--once`, required by the cron-style commands: the continuous services run inside `serve`.
struct OnceFlag: ParsableArguments {
    @Flag(help: "Run one round and exit (required: the continuous service runs inside ledger serve).") var once = false

    func validate() throws {
        guard once else { throw ValidationError("give --once (ledger serve runs this service continuously)") }
    }
}

struct PollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poll",
        abstract: "Poll every job whose next poll is due, once.",
        discussion: """
            The same round `ledger serve` runs every 10 s: open jobs past their next poll
            instant (LEDGER_POLL_SCHEDULE, default first:5m,2m@15m,5m@60m,15m) are polled
            through their provider's status API (LEDGER_PROVIDER_<NAME>_BASE_URL,
            _API_KEY) or HEAD template (_POLL_HEAD_URL); every result is a poll.result
            event.

            Example:
              ledger poll --once --db ./ledger.sqlite
            """
    )
    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @OptionGroup var once: OnceFlag

    func run() async throws {
        try await BackgroundOnce(database: database, configuration: configurationOption).run { composition in
            var polled: PollRound?
            guard try await composition.whileLeased(.poller, { polled = try await composition.poller.runOnce() }), let round = polled else {
                return BackgroundService.poller.heldElsewhere
            }
            return "poll: \(round.looked) open jobs, \(round.polled) polled, \(round.endedJobs) ended by the poll, "
                + "\(round.transportErrors) transport errors"
                + (round.backingOff.isEmpty ? "" : ", backing off: \(round.backingOff.sorted().joined(separator: ", "))")
        }
    }
}

struct WatchdogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watchdog",
        abstract: "Look at every open job against the watchdog's thresholds, once.",
        discussion: """
            Jobs open past LEDGER_STUCK_AFTER (2h) get a watchdog.decision and an
            immediate poll; past LEDGER_DEADLINE (24h) they fail (source watchdog) and are
            refunded; jobs never submitted past LEDGER_SUBMIT_DEADLINE (15m) are flagged.
            A verdict already recorded for a job is not recorded again, so running this
            from cron is idempotent.

            Example:
              ledger watchdog --once
            """
    )
    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @OptionGroup var once: OnceFlag

    func run() async throws {
        try await BackgroundOnce(database: database, configuration: configurationOption).run { composition in
            var judged: WatchdogRound?
            guard try await composition.whileLeased(.watchdog, { judged = try await composition.watchdog.runOnce() }),
                  let round = judged else {
                return BackgroundService.watchdog.heldElsewhere
            }
            return "watchdog: \(round.looked) open jobs, \(round.recorded) new decisions, \(round.failed) failed and refunded, "
                + "\(round.polled) polled now"
        }
    }
}

struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Queue and deliver due notifications to the app, once.",
        discussion: """
            Needs LEDGER_NOTIFY_URL and LEDGER_NOTIFY_SECRET. Terminal changes are queued
            as notifications, then delivered (Standard Webhooks signed, webhook-id stable
            across retries), retried on LEDGER_NOTIFY_SCHEDULE and dead-lettered after the
            last retry.

            Example:
              LEDGER_NOTIFY_URL=https://app.example/hooks LEDGER_NOTIFY_SECRET=whsec_... \\
                  ledger notify --once
            """
    )
    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @OptionGroup var once: OnceFlag

    func run() async throws {
        try await BackgroundOnce(database: database, configuration: configurationOption).run { composition in
            guard let notifier = composition.notifier else {
                throw CommandFailure(.usage, "notifications are not sent from here: set LEDGER_NOTIFY_URL and LEDGER_NOTIFY_SECRET")
            }
            var sent: NotifyRound?
            guard try await composition.whileLeased(.notifier, { sent = try await notifier.runOnce() }), let round = sent else {
                return BackgroundService.notifier.heldElsewhere
            }
            return "notify: \(round.attempted) attempted, \(round.delivered) delivered, "
                + "\(round.deadLettered) dead-lettered"
        }
    }
}

struct RedriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Re-drive one job or every job matching a filter: poll, notify again, or re-evaluate.",
        discussion: """
            Each job acted on gets an operator.action (operator, action, reason), then the
            action: poll (a poll now; the provider's status API needs its api_key), notify
            (its dead-lettered notifications queued again, for the ledger serve that
            delivers notifications), reevaluate (the watchdog's look now, waiting orphans
            adopted). A job whose most recent operator action is this very one is left
            alone, so a second identical run appends nothing. Jobs the action does not
            apply to are counted with the reason; a named job the ledger does not know
            exits 1 with nothing done. Bulk runs (a filter instead of job ids) need
            --operator and --reason; --dry-run prints how many jobs match and what would
            be appended.

            Examples:
              ledger redrive job_42 --action poll
              ledger redrive --status processing --provider wavespeed \\
                  --since 2026-11-23T00:00:00Z --action poll --dry-run \\
                  --operator alice --reason "webhook outage INC-7"
            """
    )
    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @Argument(help: ArgumentHelp("Jobs to re-drive (or use a filter).", valueName: "job-id")) var jobIDs: [String] = []
    @Option(help: "Filter: registered, processing, completed, failed or cancelled.") var status: JobStatus?
    @Option(help: "Filter: the provider.") var provider: String?
    @Option(help: "Filter: registered at or after (ISO 8601).") var since: String?
    @Option(help: "Filter: registered before (ISO 8601).") var until: String?
    @Option(help: "poll, notify or reevaluate.") var action: RedriveAction
    @Option(name: .customLong("operator"), help: "Who runs it (recorded; required for bulk runs).") var operatorName: String?
    @Option(help: "Why (recorded; required for bulk runs).") var reason: String?
    @Flag(help: "Print how many jobs match and what would be appended; append nothing.") var dryRun = false

    /// Who runs it: the one named, else the login name (one job at a time only).
    var who: String {
        operatorName ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 } ?? "operator"
    }
    var why: String { reason ?? "re-drive from the command line" }

    func validate() throws {
        guard !jobIDs.isEmpty || status != nil || provider != nil || since != nil || until != nil else {
            throw ValidationError("name jobs or give a filter (--status, --provider, --since, --until)")
        }
        guard jobIDs.isEmpty || (status == nil && provider == nil && since == nil && until == nil) else {
            throw ValidationError("give either job ids or a filter, not both")
        }
        if jobIDs.isEmpty, operatorName == nil || reason == nil {
            throw ValidationError("a bulk re-drive needs --operator and --reason (they are recorded in operator.action)")
        }
        if let problem = OperatorAccountability.problem(operatorName: who, reason: why) {
            throw ValidationError("--" + problem)
        }
        for (name, text) in [("--since", since), ("--until", until)] where text != nil && Timestamp(iso8601: text!) == nil {
            throw ValidationError("\(name) must be an ISO 8601 time like 2026-11-23T10:00:00Z")
        }
    }

    func run() async throws {
        let selection = RedriveSelection(jobIDs: jobIDs, status: status, provider: provider,
                                         since: since.flatMap(Timestamp.init(iso8601:)), until: until.flatMap(Timestamp.init(iso8601:)))
        try await BackgroundOnce(database: database, configuration: configurationOption).run { composition in
            if action == .notify && !composition.notificationsOn {
                throw CommandFailure(.usage, BackgroundComposition.notificationsOff)
            }
            let report = try await composition.redriver.run(selection, action: action, operatorName: who, reason: why, dryRun: dryRun)
            let summary = dryRun
                ? "redrive (dry run): \(report.matched) jobs match; \(report.acted) would get an operator.action and a \(action.rawValue); "
                    + "\(report.repeated) already have this re-drive; \(report.notApplicable) do not apply"
                : "redrive: \(report.matched) jobs match; acted on \(report.acted) (\(report.appendedEvents) events appended); "
                    + "\(report.repeated) already had this re-drive; \(report.notApplicable) do not apply"
            var reasons = report.notApplicableReasons.sorted { $0.key < $1.key }.map { "\n  \($0.value) not \(action.pastParticiple): \($0.key)" }
            // Only where a setting is missing: it may be in the file serve reads.
            if configurationOption.config == nil, report.notApplicableReasons.keys.contains(where: { $0.contains("set LEDGER_") }) {
                reasons.append("\n  (no --config given: settings serve reads from its configuration file are unknown to this command)")
            }
            guard report.unknownJobIDs.isEmpty else {
                throw CommandFailure(.checkFailed, "no job \(report.unknownJobIDs.joined(separator: ", ")) in this ledger: nothing done")
            }
            return summary + reasons.joined()
        }
    }
}

extension JobStatus: ExpressibleByArgument {}
extension RedriveAction: ExpressibleByArgument {}
