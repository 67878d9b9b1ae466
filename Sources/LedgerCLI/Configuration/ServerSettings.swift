import LedgerHTTP
import LedgerProviders
import LedgerStore

/// How `serve` listens and what it accepts.
struct ServerSettings: Sendable {
    var host: String
    var port: Int
    var durability: StoreOptions.Durability
    var requestBodyBytesMax: Int
    /// The request-body bytes held at once over every connection.
    var bodyBytesHeldMax: Int
    /// Connections kept open at once (default: under the descriptor limit).
    var connectionsMax: Int
    var idleTimeoutMilliseconds: Int64
    var readTimeoutMilliseconds: Int64

    /// The idle timeout the server is given: at least the read timeout and 5 s,
    /// or a body that stops arriving closes its connection by the idle timer,
    /// with no answer, at the instant its 408 is due (both were 30 s by default).
    var connectionIdleMilliseconds: Int64 { max(idleTimeoutMilliseconds, readTimeoutMilliseconds + 5_000) }
    /// How long SIGTERM waits for in-flight work before cancelling it.
    var shutdownGraceMilliseconds: Int64
    /// How long the server keeps accepting after readiness turned false, so
    /// a balancer probing `/readyz` stops sending before the port closes
    /// (without it an idle node closed its port 11 ms after SIGTERM, and the
    /// balancer saw only refused connections); part of the grace.
    var shutdownDelayMilliseconds: Int64
    /// SQLite's `quick_check` at start-up, stopped after this long on a large file.
    var startupQuickCheckMilliseconds = 5_000

    /// The most `LEDGER_MAX_BODY` may say.
    static let bodyBytesMaxLimit = 64 << 20

    init(_ sources: ConfigurationSources) throws(ConfigurationError) {
        host = sources.text(.host) ?? ""
        let portText = sources.text(.port) ?? ""
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ConfigurationError(key: Setting.port.environmentName, detail: "\(portText) is not a port (1-65535)")
        }
        self.port = port
        durability = try sources.choice(.durability, StoreOptions.Durability.self, allowed: "full or normal") ?? .full
        requestBodyBytesMax = try sources.bytes(.maxBody, max: Self.bodyBytesMaxLimit)
        bodyBytesHeldMax = try sources.bytes(.maxBodyBytesHeld, max: 4 << 30)
        guard bodyBytesHeldMax >= requestBodyBytesMax else {
            throw ConfigurationError(key: Setting.maxBodyBytesHeld.environmentName,
                                     detail: "must be at least \(Setting.maxBody.environmentName) (\(requestBodyBytesMax) bytes)")
        }
        idleTimeoutMilliseconds = try sources.requiredMilliseconds(.idleTimeout, max: "1h", example: "500ms, 30s or 5m")
        readTimeoutMilliseconds = try sources.requiredMilliseconds(.readTimeout, max: "10m", example: "500ms, 30s or 5m")
        shutdownGraceMilliseconds = try sources.requiredMilliseconds(.shutdownGrace, max: "10m", example: "500ms, 10s or 1m")
        shutdownDelayMilliseconds = try sources.milliseconds(.shutdownDelay, max: "5m", example: "500ms, 5s or 15s") ?? 0
        guard shutdownDelayMilliseconds < shutdownGraceMilliseconds else {
            throw ConfigurationError(key: Setting.shutdownDelay.environmentName,
                                     detail: "must be shorter than \(Setting.shutdownGrace.environmentName), which it is part of")
        }
        let derived = ConnectionLimit.derivedFromDescriptorLimit()
        let connectionsText = sources.configured(.maxConnections) ?? String(derived)
        guard let connections = Int(connectionsText), (1...derived).contains(connections) else {
            throw ConfigurationError(key: Setting.maxConnections.environmentName,
                                     detail: "\(connectionsText) is not 1 to \(derived) (the descriptor limit less what the ledger needs besides)")
        }
        connectionsMax = connections
    }
}
