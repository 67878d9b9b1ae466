import Foundation
import LedgerCore
import LedgerStore
import Metrics
import Prometheus
import Synchronization

/// The service's Prometheus metrics (`/metrics`): `ledger_` prefix,
/// base units (seconds), `_total` counters, and no per-job or per-account
/// labels, so the number of series stays fixed whatever the traffic.
///
/// Request-time figures are recorded through swift-metrics into a registry
/// of this instance (no process-wide bootstrap, so tests and several servers
/// in one process stay apart). Ledger totals (jobs by status, refunds,
/// conflicts) are read from the projections at scrape time: they come from
/// the log, so they survive restarts and agree with `ledger verify`.
public final class LedgerMetrics: Sendable {
    /// Why a webhook was answered the way it was; one series per provider and outcome.
    public enum WebhookOutcome: String, Sendable, CaseIterable {
        case recorded, duplicate, orphan, unauthorized, malformed, tooLarge = "too_large", unavailable
        case unknownProvider = "unknown_provider"
    }

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let appendDuration: Metrics.Timer
    private let storageErrors: Metrics.Counter
    private let shedForBodyBytes: Metrics.Counter
    private let shedForConnections: Metrics.Counter
    private let webhookCounters = Mutex<[String: Metrics.Counter]>([:])
    private let responseCounters = Mutex<[Int: Metrics.Counter]>([:])
    private let longPolls = Atomic<Int>(0)
    /// What `ledger --version` says, as `ledger_build_info{version}` (nodes compared on one dashboard).
    private let version: String

    public convenience init() { self.init(version: "") }

    public init(version: String) {
        self.version = version
        var factory = PrometheusMetricsFactory(registry: registry)
        // Durable appends take about a millisecond with fsync, more under load.
        factory.durationHistogramBuckets["ledger_append_duration_seconds"] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        appendDuration = Metrics.Timer(label: "ledger_append_duration_seconds", factory: factory)
        storageErrors = Metrics.Counter(label: "ledger_storage_errors_total", factory: factory)
        shedForBodyBytes = Metrics.Counter(label: "ledger_requests_shed_total", dimensions: [("reason", "body_bytes")], factory: factory)
        shedForConnections = Metrics.Counter(label: "ledger_requests_shed_total", dimensions: [("reason", "connections")],
                                             factory: factory)
    }

    /// A request refused 503 because the bodies held at once would pass their budget.
    public func shedForBodyBudget() { shedForBodyBytes.increment() }
    /// A connection answered 503 and closed because the server holds its most.
    public func shedForConnectionLimit() { shedForConnections.increment() }

    /// A webhook answered; `provider` must be a configured provider's name
    /// (unknown names are counted as `unknown`, so a scanner cannot add series).
    public func webhook(provider: String, _ outcome: WebhookOutcome) {
        // Made once per series: the registry lookup (a lock and a dimension
        // match) stays off the per-webhook path.
        let counter = webhookCounters.withLock { counters in
            let key = "\(provider)\u{0}\(outcome.rawValue)"
            if let existing = counters[key] { return existing }
            let made = Metrics.Counter(label: "ledger_webhooks_total",
                                       dimensions: [("provider", provider), ("outcome", outcome.rawValue)], factory: factory)
            counters[key] = made
            return made
        }
        counter.increment()
    }

    /// A response the ledger's routes answered, by its status code (a number
    /// under 600: the series stay few). The refusals of app and admin
    /// requests (401, 403) showed nowhere but in throttled log lines.
    public func responded(status: Int) {
        let code = (100..<600).contains(status) ? status : 0
        let counter = responseCounters.withLock { counters in
            if let existing = counters[code] { return existing }
            let made = Metrics.Counter(label: "ledger_http_responses_total", dimensions: [("status", String(code))], factory: factory)
            counters[code] = made
            return made
        }
        counter.increment()
    }

    /// The time from handing a request to the writer until its commit answered.
    public func appended(after duration: Duration) {
        appendDuration.recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000
                                         + duration.components.attoseconds / 1_000_000_000)
    }

    public func storageFailed() { storageErrors.increment() }

    /// Runs `wait` counted as a long poll held open (`ledger_long_polls_open`):
    /// each holds a connection, so a crowd of them is what an operator sees
    /// before the connection limit sheds.
    public func holdingLongPoll<T>(_ wait: () async throws -> T) async rethrows -> T {
        longPolls.add(1, ordering: .relaxed)
        defer { longPolls.subtract(1, ordering: .relaxed) }
        return try await wait()
    }

    /// A label value escaped for the exposition format.
    static func label(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// The Prometheus text exposition.
    public func render(totals newest: (totals: LedgerTotals, age: Duration)?, batches: BatchStatistics, ready: Bool,
                       bodyBytesHeld: Int = 0) -> String {
        var text = registry.emitToString()
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(String, Int64)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in samples { text += "\(name)\(labels) \(value)\n" }
        }
        // What the database holds: the newest totals read and their age (absent before the
        // first read succeeds), so a database that cannot be read leaves the rest (ready 0,
        // storage errors, refused webhooks) answered when it matters most to an alert.
        if let (totals, age) = newest {
            text += "# HELP ledger_totals_age_seconds How long ago the database's totals below were read.\n"
            text += "# TYPE ledger_totals_age_seconds gauge\nledger_totals_age_seconds \(Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18)\n"
            family("ledger_jobs", "gauge", "Jobs by status (the jobs projection).",
                   JobStatus.allCases.map { ("{status=\"\($0.rawValue)\"}", totals.jobsByStatus[$0] ?? 0) })
            family("ledger_refunds_total", "counter", "Jobs refunded (each at most once).", [("", totals.refunds)])
            family("ledger_refunded_credits_total", "counter", "Credits returned by refunds.", [("", totals.refundedCredits)])
            family("ledger_conflicts_total", "counter", "Terminal reports contradicting a job's first terminal fact.",
                   [("", totals.conflicts)])
            family("ledger_orphans", "gauge", "Webhooks for no known job, not yet adopted.", [("", totals.orphansUnadopted)])
            family("ledger_notifications_open", "gauge", "Notifications to the app not delivered yet.",
                   [("", totals.notificationsOpen)])
            family("ledger_notifications_dead_lettered", "gauge",
                   "Notifications to the app given up on after their schedule, until re-driven.", [("", totals.notificationsDeadLettered)])
            family("ledger_log_position", "gauge", "The log's last position.", [("", totals.position)])
            family("ledger_provider_outcomes_total", "counter", "Terminal outcomes by provider and the source that decided them.",
                   totals.outcomesByProvider.sorted { $0.key < $1.key }.flatMap { provider, counts in
                       counts.sorted { $0.key < $1.key }.map { ("{provider=\"\(Self.label(provider))\",source=\"\($0.key)\"}", $0.value) }
                   })
            family("ledger_provider_unknown_statuses_total", "counter",
                   "Webhooks and polls reporting a status word the provider's profile does not know (see the unknown_statuses view).",
                   totals.unknownStatusesByProvider.sorted { $0.key < $1.key }.map { ("{provider=\"\(Self.label($0.key))\"}", $0.value) })
            text += "# HELP ledger_provider_poll_share Of the outcomes decided by a webhook or a poll, the share a poll found first.\n"
            text += "# TYPE ledger_provider_poll_share gauge\n"
            for (provider, share) in totals.pollShare.sorted(by: { $0.key < $1.key }) {
                text += "ledger_provider_poll_share{provider=\"\(Self.label(provider))\"} \(share)\n"
            }
            family("ledger_database_bytes", "gauge", "The database file's size.", [("", totals.databaseBytes)])
            family("ledger_wal_bytes", "gauge", "The write-ahead log's size (grows while a reader holds an old snapshot).",
                   [("", totals.walBytes)])
        }
        family("ledger_commits_total", "counter", "Group commits since start.", [("", Int64(batches.commits))])
        family("ledger_commit_requests_total", "counter",
               "Requests carried by group commits since start (divide by commits for the batch size).",
               [("", Int64(batches.requests))])
        family("ledger_commit_batch_requests_max", "gauge", "The largest group commit since start, in requests.",
               [("", Int64(batches.largest))])
        func seconds(_ name: String, _ help: String, _ nanoseconds: Int64) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) counter\n\(name) \(Double(nanoseconds) / 1e9)\n"
        }
        seconds("ledger_writer_cpu_seconds_total", "CPU time the SQLite writer thread spent inserting prepared batches and "
                + "committing (divide by ledger_commit_requests_total for its share of each request).", batches.writerCPUNanoseconds)
        seconds("ledger_decide_cpu_seconds_total", "CPU time spent deciding, encoding and chaining batches before their commit.",
                batches.decideCPUNanoseconds)
        seconds("ledger_commit_wait_seconds_total", "Wall time the writer waited for its commit calls (round trips included).",
                batches.commitWaitNanoseconds)
        seconds("ledger_chain_lock_held_seconds_total", "Time this node held the chain lock for its commits "
                + "(divide by ledger_commits_total for the hold per batch).", batches.lockHeldNanoseconds)
        family("ledger_commit_round_trips_total", "counter", "Client round trips to the database for commits (0 on SQLite).",
               [("", Int64(batches.commitRoundTrips))])
        family("ledger_decide_reads_total", "counter", "Reads made to decide batches, one per kind per batch.",
               [("", Int64(batches.decideReads))])
        family("ledger_batches_decided_again_total", "counter",
               "Batches decided again because another node moved the chain's head first.", [("", Int64(batches.decidedAgain))])
        family("ledger_locked_commits_total", "counter",
               "Commits decided while holding the chain lock (after conflicts between nodes).", [("", Int64(batches.lockedCommits))])
        family("ledger_body_bytes_held", "gauge", "Request-body bytes held in memory now, over every connection.",
               [("", Int64(bodyBytesHeld))])
        family("ledger_long_polls_open", "gauge", "Requests held open by ?wait= now (each holds a connection).",
               [("", Int64(longPolls.load(ordering: .relaxed)))])
        family("ledger_ready", "gauge", "1 when the database is writable and the service is not shutting down.",
               [("", ready ? 1 : 0)])
        if !version.isEmpty {
            family("ledger_build_info", "gauge", "1, labelled with the release and schemas this node runs (ledger --version).",
                   [("{version=\"\(Self.label(version))\"}", 1)])
        }
        return text
    }
}
