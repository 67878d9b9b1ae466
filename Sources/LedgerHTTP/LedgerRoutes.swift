import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import NIOCore

/// What the routes need: the store, the keys, the limits.
public struct LedgerServices: Sendable {
    public var store: SQLiteEventStore
    public var keys: APIKeys
    /// The largest request body read (SPEC §11 `LEDGER_MAX_BODY`, default 1 MiB).
    public var requestBodyBytesMax: Int
    /// Provider profiles and their webhook credentials; a provider without credentials is refused.
    public var providers: ProviderRegistry
    /// The clock webhook timestamps are checked against.
    public var now: @Sendable () -> Date

    public init(store: SQLiteEventStore, keys: APIKeys, requestBodyBytesMax: Int = 1 << 20,
                providers: ProviderRegistry = .refusingAll, now: @escaping @Sendable () -> Date = { Date() }) {
        precondition(requestBodyBytesMax > 0, "requestBodyBytesMax must be positive")
        self.store = store
        self.keys = keys
        self.requestBodyBytesMax = requestBodyBytesMax
        self.providers = providers
        self.now = now
    }
}

/// The router of `ledger serve`.
///
/// ```swift
/// let router = buildRouter(LedgerServices(store: store, keys: keys))
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public func buildRouter(_ services: LedgerServices) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    HealthRoutes(store: services.store).add(to: router)
    JobRoutes(services: services).add(to: router)
    WebhookRoutes(services: services).add(to: router)
    ReadRoutes(services: services).add(to: router)
    ActionRoutes(services: services).add(to: router)
    return router
}

/// `/healthz` (the process answers) and `/readyz` (the database answers).
struct HealthRoutes {
    let store: SQLiteEventStore

    func add(to router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in Response.json(.object(["status": .string("ok")])) }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await store.head()
                return Response.json(.object(["status": .string("ready")]))
            } catch {
                throw Problem(.serviceUnavailable, "Not ready", detail: "the database cannot be read: \(error)",
                              retryAfterSeconds: 5)
            }
        }
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
