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

/// The background services' configuration (the command line reads it from
/// the environment and the configuration file).
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
    /// The largest answer read from a provider's API or the app (`LEDGER_MAX_BODY`,
    /// the webhook's limit too: a body a provider posts it may also answer a poll with).
    public var responseBytesMax = 1 << 20
    /// The longest a `Retry-After` is honoured (429/5xx from a provider or the app).
    public var retryAfterMaxMilliseconds: Int64 = 600_000
    /// `LEDGER_RETAIN_BODIES`: raw webhook bodies older than this are redacted
    /// by `serve` (nil: kept for ever).
    public var retainBodiesMilliseconds: Int64?
    /// How often `serve` runs retention when it is on.
    public var retentionIntervalMilliseconds: Int64 = 3_600_000

    public init() {}
}
