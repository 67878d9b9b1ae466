import LedgerCore
import LedgerProviders

/// Where and how to poll one provider (`LEDGER_PROVIDER_<NAME>_*`).
public struct ProviderEndpoint: Sendable, Equatable {
    public var baseURL: String?
    public var apiKey: String?
    /// A `HEAD` template such as `https://cdn.example/{external_id}.mp4`, for
    /// providers whose outputs land at a predictable URL.
    public var pollHeadURL: String?

    public init(baseURL: String? = nil, apiKey: String? = nil, pollHeadURL: String? = nil) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.pollHeadURL = pollHeadURL
    }
}

/// The background services' configuration, read from the same `LEDGER_*`
/// variables by `ledger serve` and the `--once` commands.
public struct BackgroundSettings: Sendable {
    public var pollSchedule = PollSchedule.standard
    public var watchdog = WatchdogPolicy.standard
    public var watchdogIntervalMilliseconds: Int64 = 60_000
    /// How often the poller looks for due jobs.
    public var pollTickMilliseconds: Int64 = 10_000
    public var notifyURL: String?
    public var notifySecret: String?
    public var notifySchedule = RetrySchedule.standard
    /// `LEDGER_NOTIFY_EVENTS`: terminal changes only, or starts and progress too.
    public var notifyEvents = NotifyEvents.terminal
    /// How often the notifier looks for due deliveries.
    public var notifyTickMilliseconds: Int64 = 1_000
    public var allowPrivateTargets = false
    public var endpoints: [String: ProviderEndpoint] = [:]
    /// Polls in flight per provider, and started per second per provider.
    public var pollConcurrency = 4
    public var pollsPerSecond = 20
    /// The longest a `Retry-After` is honoured (429/5xx from a provider or the app).
    public var retryAfterMaxMilliseconds: Int64 = 600_000
    /// `LEDGER_RETAIN_BODIES`: raw webhook bodies older than this are redacted
    /// by `serve` (nil: kept for ever).
    public var retainBodiesMilliseconds: Int64?
    /// How often `serve` runs retention when it is on.
    public var retentionIntervalMilliseconds: Int64 = 3_600_000

    public init() {}

    /// Reads `LEDGER_POLL_SCHEDULE`, `LEDGER_STUCK_AFTER`, `LEDGER_DEADLINE`,
    /// `LEDGER_SUBMIT_DEADLINE`, `LEDGER_WATCHDOG_INTERVAL`, `LEDGER_NOTIFY_URL`,
    /// `LEDGER_NOTIFY_SECRET`, `LEDGER_NOTIFY_SCHEDULE`, `LEDGER_NOTIFY_EVENTS`, `LEDGER_ALLOW_PRIVATE_TARGETS`
    /// and each provider's `BASE_URL`, `API_KEY`, `POLL_HEAD_URL`.
    public init(environment: [String: String], providers: some Sequence<String>) throws(ConfigurationError) {
        func duration(_ key: String, _ fallback: Int64) throws(ConfigurationError) -> Int64 {
            guard let text = environment[key] else { return fallback }
            guard let value = DurationText.milliseconds(text) else {
                throw ConfigurationError(key: key, detail: "\(text) is not a duration like 500ms, 30s, 5m, 2h or 90d")
            }
            return value
        }
        if let text = environment["LEDGER_POLL_SCHEDULE"] {
            guard let schedule = PollSchedule(parsing: text) else {
                throw ConfigurationError(key: "LEDGER_POLL_SCHEDULE", detail: "\(text) is not like first:5m,2m@15m,5m@60m,15m")
            }
            pollSchedule = schedule
        }
        watchdog = WatchdogPolicy(stuckAfter: try duration("LEDGER_STUCK_AFTER", watchdog.stuckAfter),
                                  deadline: try duration("LEDGER_DEADLINE", watchdog.deadline),
                                  submitDeadline: try duration("LEDGER_SUBMIT_DEADLINE", watchdog.submitDeadline))
        watchdogIntervalMilliseconds = try duration("LEDGER_WATCHDOG_INTERVAL", watchdogIntervalMilliseconds)
        if environment["LEDGER_RETAIN_BODIES"] != nil { retainBodiesMilliseconds = try duration("LEDGER_RETAIN_BODIES", 0) }
        if let text = environment["LEDGER_NOTIFY_SCHEDULE"] {
            guard let schedule = RetrySchedule(parsing: text) else {
                throw ConfigurationError(key: "LEDGER_NOTIFY_SCHEDULE", detail: "\(text) is not a list of durations like 5s,5m,30m")
            }
            notifySchedule = schedule
        }
        if let text = environment["LEDGER_NOTIFY_EVENTS"] {
            guard let events = NotifyEvents(rawValue: text) else {
                throw ConfigurationError(key: "LEDGER_NOTIFY_EVENTS", detail: "\(text) is not terminal or all")
            }
            notifyEvents = events
        }
        switch environment["LEDGER_ALLOW_PRIVATE_TARGETS"] ?? "false" {
        case "true", "1", "yes": allowPrivateTargets = true
        case "false", "0", "no": allowPrivateTargets = false
        case let other: throw ConfigurationError(key: "LEDGER_ALLOW_PRIVATE_TARGETS", detail: "\(other) is not true or false")
        }
        notifyURL = environment["LEDGER_NOTIFY_URL"]
        notifySecret = environment["LEDGER_NOTIFY_SECRET"]
        if let url = notifyURL {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError(key: "LEDGER_NOTIFY_URL", detail: "\(url) is not an http(s) URL")
            }
            guard let secret = notifySecret, (try? StandardWebhookVerifier(secret: secret).sign(id: "", timestamp: "", body: .init())) != nil else {
                throw ConfigurationError(key: "LEDGER_NOTIFY_SECRET", detail: "notifications need a whsec_ secret to sign them")
            }
        }
        for name in providers {
            let prefix = "LEDGER_PROVIDER_\(name.uppercased())_"
            let endpoint = ProviderEndpoint(baseURL: environment[prefix + "BASE_URL"], apiKey: environment[prefix + "API_KEY"],
                                            pollHeadURL: environment[prefix + "POLL_HEAD_URL"])
            if endpoint != ProviderEndpoint() { endpoints[name] = endpoint }
        }
    }
}
