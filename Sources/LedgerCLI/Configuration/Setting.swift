import LedgerCore
import LedgerProviders

/// One setting of the ledger, defined once: its key in the configuration file,
/// its name in the environment (`LEDGER_` and the key in capitals) and its
/// default as written. The configuration file accepts exactly these keys, the
/// code reads defaults from here, and docs/configuration.md is checked against
/// this list by the tests (a setting added here and not documented fails).
struct Setting: Sendable, Hashable {
    let key: String
    let environmentName: String
    /// The default as a user would write it; nil when there is none or it is
    /// derived (the development keys, the descriptor limit).
    let defaultText: String?

    init(_ key: String, _ defaultText: String?) {
        self.key = key
        self.environmentName = "LEDGER_" + key.uppercased()
        self.defaultText = defaultText
    }

    /// One provider's setting: `providers.NAME.KEY` in the file,
    /// `LEDGER_PROVIDER_NAME_KEY` in the environment.
    static func provider(_ name: String, _ key: String) -> Setting {
        Setting(key: "providers.\(name).\(key)", environmentName: ProviderRegistry.environmentName(provider: name, key: key))
    }

    private init(key: String, environmentName: String) {
        self.key = key
        self.environmentName = environmentName
        self.defaultText = nil
    }
}

extension Setting {
    static let db = Setting("db", "./ledger.sqlite")
    static let host = Setting("host", "127.0.0.1")
    static let port = Setting("port", "8080")
    static let keys = Setting("keys", nil)
    static let durability = Setting("durability", "full")
    static let maxBody = Setting("max_body", "1MiB")
    static let maxBodyBytesHeld = Setting("max_body_bytes_held", "64MiB")
    static let maxConnections = Setting("max_connections", nil)
    static let idleTimeout = Setting("idle_timeout", "30s")
    static let readTimeout = Setting("read_timeout", "30s")
    static let shutdownGrace = Setting("shutdown_grace", "10s")
    static let shutdownDelay = Setting("shutdown_delay", nil)
    static let logLevel = Setting("log_level", "info")
    static let latePolicy = Setting("late_completion_policy", "keep_refund")
    static let pollSchedule = Setting("poll_schedule", PollSchedule.standardText)
    static let stuckAfter = Setting("stuck_after", DurationText.text(milliseconds: WatchdogPolicy.standard.stuckAfterMilliseconds))
    static let deadline = Setting("deadline", DurationText.text(milliseconds: WatchdogPolicy.standard.deadlineMilliseconds))
    static let submitDeadline = Setting("submit_deadline", DurationText.text(milliseconds: WatchdogPolicy.standard.submitDeadlineMilliseconds))
    static let watchdogInterval = Setting("watchdog_interval", "1m")
    static let notifyURL = Setting("notify_url", nil)
    static let notifySecret = Setting("notify_secret", nil)
    static let notifySchedule = Setting("notify_schedule", RetrySchedule.standardText)
    static let notifyEvents = Setting("notify_events", "terminal")
    static let allowPrivateTargets = Setting("allow_private_targets", "false")
    static let checkpointKey = Setting("checkpoint_key", nil)
    static let checkpointInterval = Setting("checkpoint_interval", "10m")
    static let origin = Setting("origin", nil)
    static let retainBodies = Setting("retain_bodies", "off")

    /// Every top-level setting; providers' settings are ``providerKeys``.
    static let all: [Setting] = [
        db, host, port, keys, durability, maxBody, maxBodyBytesHeld, maxConnections, idleTimeout, readTimeout,
        shutdownGrace, shutdownDelay, logLevel, latePolicy, pollSchedule, stuckAfter, deadline, submitDeadline, watchdogInterval,
        notifyURL, notifySecret, notifySchedule, notifyEvents, allowPrivateTargets, checkpointKey, checkpointInterval,
        origin, retainBodies,
    ]

    /// Each provider's settings, under `providers.NAME` in the file and
    /// `LEDGER_PROVIDER_NAME_*` in the environment.
    static let providerKeys: Set<String> = ["secret", "signing_secret", "base_url", "api_key", "poll_head_url", "jwks_url", "jwks_file"]
}
