import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerBackground
import LedgerCore
import LedgerFakes
import LedgerHTTP
import LedgerProviders
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Logging

/// One ledger, its background services on a manual clock, and a fake
/// provider and fake app on loopback: real SQLite, real HTTP, real signatures.
struct Harness: Sendable {
    let clock: ManualClock
    let store: SQLiteEventStore
    let provider: FakeProvider
    let app: FakeApp
    let poller: Poller
    let watchdog: Watchdog
    let notifier: Notifier
    let redriver: Redriver
    let outbound: OutboundClient
    /// What the background services were configured with.
    let settings: BackgroundSettings
    /// Sends a request to the ledger's own HTTP API.
    let ledger: any TestClientProtocol
    /// Where the fake app listens.
    let notifierURL: String

    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// Runs `body` with the fakes and the ledger listening on loopback.
    static func run(policy: LateCompletionPolicy = .keepRefund, notifySchedule: String = "5s,5m,30m,2h,5h,10h,10h",
                    pollConcurrency: Int = 4, notifyEvents: NotifyEvents = .terminal, notifySecret: String? = nil,
                    _ body: @escaping @Sendable (Harness) async throws -> Void) async throws {
        let clock = ManualClock()
        var options = StoreOptions(lateCompletionPolicy: policy, clock: { clock.now })
        options.notificationsEnabled = true
        options.notifyEvents = notifyEvents
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
        let provider = FakeProvider()
        let app = FakeApp()
        let peers = Router()
        provider.add(to: peers)
        app.add(to: peers)
        try await Application(router: peers).test(.live) { peersClient in
            let port = peersClient.port!
            var settings = BackgroundSettings()
            settings.allowPrivateTargets = true
            settings.endpoints["replicate"] = ProviderEndpoint(baseURL: "http://127.0.0.1:\(port)", apiKey: "r8_test")
            settings.endpoints["nca"] = ProviderEndpoint(baseURL: "http://127.0.0.1:\(port)", apiKey: "nca_test")
            settings.notifyURL = "http://127.0.0.1:\(port)/hooks"
            settings.notifySecret = notifySecret ?? app.secret
            settings.notifySchedule = RetrySchedule(parsing: notifySchedule)!
            settings.pollsPerSecond = 1000
            settings.pollConcurrency = pollConcurrency
            // 15 s: on 2 shared cores, a loopback answer behind a full test suite took over 1 s, and
            // once over 5 s (the polls of `lostWebhooksArePolledToCompletion` recorded as timeouts).
            let outbound = OutboundClient(allowPrivateTargets: true, readTimeout: .seconds(15))
            let poller = Poller(store: store, settings: settings, outbound: outbound, clock: clock,
                                providers: ProviderProfile.builtIn.keys, logger: logger)
            let watchdog = Watchdog(store: store, policy: settings.watchdog, poller: poller, clock: clock, logger: logger)
            let notifier = Notifier(store: store, settings: settings, outbound: outbound, clock: clock, logger: logger)!
            let configured = settings
            let services = LedgerServices(store: store, keys: try APIKeys(parsing: Self.keys),
                                          providers: try ProviderRegistry(secrets: ["replicate": provider.secret]),
                                          now: { clock.now.date })
            do {
                try await Application(router: buildRouter(services)).test(.live) { ledger in
                    try await body(Harness(clock: clock, store: store, provider: provider, app: app, poller: poller,
                                           watchdog: watchdog, notifier: notifier,
                                           redriver: Redriver(store: store, poller: poller, watchdog: watchdog),
                                           outbound: outbound, settings: configured, ledger: ledger, notifierURL: "http://127.0.0.1:\(port)/hooks"))
                }
            } catch {
                await outbound.shutdown()
                throw error
            }
            await outbound.shutdown()
        }
    }

    static let keys = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"

    /// Registers and submits `count` jobs (external ids `pred_<n>`), started at the provider.
    func submitJobs(_ count: Int, cost: Int64 = 10) async throws -> [String] {
        var jobIDs: [String] = []
        for index in 0..<count {
            let jobID = "job_\(index)"
            _ = try await store.execute(Fixtures.register(jobID, cost: cost, externalID: "pred_\(index)"))
            provider.start("pred_\(index)")
            jobIDs.append(jobID)
        }
        return jobIDs
    }

    /// Delivers the provider's webhooks for `externalID` (by its mode) to the ledger; returns the statuses.
    @discardableResult
    func deliverWebhooks(_ externalID: String) async throws -> [HTTPResponse.Status] {
        var statuses: [HTTPResponse.Status] = []
        for webhook in provider.webhooks(for: externalID, at: clock.now.date) {
            var headers = HTTPFields()
            for (name, value) in webhook.headers { headers[HTTPField.Name(name)!] = value }
            statuses.append(try await ledger.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers,
                                                     body: ByteBuffer(string: webhook.body)) { $0.status })
        }
        return statuses
    }

    func advance(minutes: Int64) { clock.advance(milliseconds: minutes * 60_000) }

    func events(_ jobID: String) async throws -> [String] { try await store.events(inStream: "job-\(jobID)").map(\.type) }
}
