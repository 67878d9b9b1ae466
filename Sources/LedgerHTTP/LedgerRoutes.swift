import Foundation
import Hummingbird
import LedgerCore
import LedgerProviders
import LedgerStore
import Logging
import NIOCore

/// What the routes need: the engine's roles, the keys, the limits. The
/// routes reach the engine only through the role accessors below, each
/// route family through the ones it uses.
public struct LedgerServices: Sendable {
    private let engine: any LedgerEngine
    public var keys: APIKeys
    /// The largest request body read (`LEDGER_MAX_BODY`, default 1 MiB).
    public var requestBodyBytesMax: Int
    /// Provider profiles and their webhook credentials; a provider without credentials is refused.
    public var providers: ProviderRegistry
    /// The clock webhook timestamps are checked against.
    public var now: @Sendable () -> Date
    public var metrics: LedgerMetrics
    /// How long a request body may take to arrive in full (`LEDGER_READ_TIMEOUT`).
    public var bodyReadTimeout: Duration
    /// The poller, notifier and watchdog behind the admin actions; nil: `poll` and `notify` answer 409.
    public var background: (any BackgroundActions)?
    public var readiness: Readiness
    /// The request-body bytes held at once, over every connection (`LEDGER_MAX_BODY_BYTES_HELD`).
    public var bodyBudget: BodyBudget
    /// The newest totals `/metrics` read, shared by every copy of these services.
    let totalsCache = TotalsCache()
    /// Per-request log lines about one condition, at most one per key and window.
    let logThrottle: LogThrottle

    public init(store: any LedgerEngine, keys: APIKeys, requestBodyBytesMax: Int = 1 << 20,
                providers: ProviderRegistry = .refusingAll, now: @escaping @Sendable () -> Date = { Date() },
                metrics: LedgerMetrics = LedgerMetrics(), readiness: Readiness = Readiness(),
                bodyReadTimeout: Duration = .seconds(30), background: (any BackgroundActions)? = nil,
                bodyBudget: BodyBudget = BodyBudget(bytesMax: 64 << 20), refusalLogWindow: Duration = .seconds(10)) {
        precondition(requestBodyBytesMax > 0, "requestBodyBytesMax must be positive")
        precondition(bodyBudget.bytesMax >= requestBodyBytesMax, "the body budget must hold at least one largest body")
        self.bodyBudget = bodyBudget
        logThrottle = LogThrottle(windowLength: refusalLogWindow)
        engine = store
        self.keys = keys
        self.requestBodyBytesMax = requestBodyBytesMax
        self.providers = providers
        self.now = now
        self.metrics = metrics
        self.readiness = readiness
        self.bodyReadTimeout = bodyReadTimeout
        self.background = background
    }
}

extension LedgerServices {
    /// Deciding: jobs' commands, webhooks, operators' actions.
    var commands: any JobCommands { engine }
    var jobs: any JobQueries { engine }
    var changes: any ChangeFeed { engine }
    var history: any JobHistory { engine }
    var log: any LogReads { engine }
    var readModels: any ReadModels { engine }
    var health: any EngineHealth { engine }
    var settings: any SettingsStorage { engine }
    var proofs: any LogProofs.Engine { engine }
}

/// The router of `ledger serve`.
///
/// ```swift
/// let router = buildRouter(LedgerServices(store: store, keys: keys))
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public func buildRouter(_ services: LedgerServices) -> Router<LedgerRequestContext> {
    let router = Router(context: LedgerRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: AccessLogMiddleware(throttle: services.logThrottle, metrics: services.metrics))
    router.add(middleware: ProblemMiddleware(throttle: services.logThrottle))
    let webhooks = WebhookRoutes(services: services)
    router.add(middleware: BodyReadMiddleware(limit: services.requestBodyBytesMax, timeout: services.bodyReadTimeout,
                                              budget: services.bodyBudget, metrics: services.metrics,
                                              refused: webhooks.refusedBeforeRouting,
                                              refuseUnread: { RequestSupport.unknownKeyProblem($0, keys: services.keys) }))
    HealthRoutes(services: services).add(to: router)
    JobRoutes(services: services).add(to: router)
    webhooks.add(to: router)
    ReadRoutes(services: services).add(to: router)
    ProofRoutes(services: services).add(to: router)
    ActionRoutes(services: services).add(to: router)
    AdminRoutes(services: services, sessions: AdminSessions(keys: services.keys)).add(to: router)
    // Last: it stands only before the router's "not found".
    router.add(middleware: MethodNotAllowedMiddleware(routes: router.routes))
    return router
}

/// `/healthz` (the process answers), `/readyz` (the database takes a durable
/// write and the service is not shutting down) and `/metrics`.
struct HealthRoutes {
    let services: LedgerServices

    func add(to router: Router<LedgerRequestContext>) {
        router.get("healthz") { _, _ in Response.json(.object(["status": .string("ok")])) }
        router.get("readyz") { _, context -> Response in try await ready(logger: context.logger) }
        router.get("metrics") { _, _ -> Response in try await metrics() }
    }

    static let probeTimeout = Duration.seconds(4)

    private func ready(logger: Logger) async throws -> Response {
        guard !services.readiness.isShuttingDown else {
            throw Problem(.serviceUnavailable, "Not ready", detail: "the service is shutting down", retryAfterSeconds: 5)
        }
        // Bounded below the usual 5 s probe timeout: a database that cannot be reached kept the
        // probe waiting for a connection and then for its connect (8 s seen in an outage).
        let probe = await RequestSupport.race(Self.probeTimeout) { [health = services.health] in try await health.probeWritable() }
        let failure: String?
        switch probe {
        case .success(.some): failure = nil
        case .success(.none): failure = "the database did not answer the readiness probe within \(Self.probeTimeout)"
        case .failure(let error as StoreError):
            // Lasting (damage, a schema a newer ledger migrated under this running node): said once, loudly.
            if error.needsOperator, services.readiness.storageFailed(error.description, lasting: true) {
                logger.critical("not ready until an operator acts", metadata: ["error": .string(error.description)])
            }
            failure = error.description
        case .failure(let error): failure = "\(error)"
        }
        if let failure {
            services.readiness.probeFailed(failure)
            throw Problem(.serviceUnavailable, "Not ready", detail: "the database cannot take a write: \(failure)", retryAfterSeconds: 5)
        }
        services.readiness.probeSucceeded()
        // A database found damaged stays not ready though the probe's own page took a write.
        if let damage = services.readiness.storageFailure {
            throw Problem(.serviceUnavailable, "Not ready", detail: "the database cannot be used: \(damage)", retryAfterSeconds: 5)
        }
        return Response.json(.object(["status": .string("ready")]))
    }

    /// How long `/metrics` waits for the database's totals.
    static let totalsWaitMax: Duration = .seconds(2)

    private func metrics() async throws -> Response {
        // The process's own series are answered while the database cannot be read, within a
        // scrape's usual timeout rather than a request's 5 s connection wait; the database's
        // totals are the newest read, with their age.
        let totals = await services.totalsCache.totals(of: services.health, waiting: Self.totalsWaitMax)
        let text = services.metrics.render(totals: totals, batches: services.health.batchStatistics,
                                           ready: services.readiness.isReady, bodyBytesHeld: services.bodyBudget.bytesHeld)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: value.jsonText)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
