import Hummingbird
import Logging

/// One log line per request: method, path (never the query string: it may
/// carry a provider's token), status and duration. Successes log at debug
/// (at tens of thousands of webhooks a second the webhook's own line says
/// enough), client errors at notice, server errors at error; those at most
/// once per status, route and window (``LogThrottle``: an outage answers
/// every request 503 alike).
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let throttle: LogThrottle
    let metrics: LedgerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: Int(response.status.code), started: started)
            return response
        } catch let error as any HTTPResponseError {
            log(request, context, status: Int(error.status.code), started: started)
            throw error
        } catch {
            log(request, context, status: 500, started: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        metrics.responded(status: status)
        let level: Logger.Level = status >= 500 ? .error : status >= 400 ? .notice : .debug
        let metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "duration_us": .stringConvertible(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000),
        ]
        guard status >= 400 else { return context.logger.log(level: level, "request", metadata: metadata) }
        // The route's pattern, not the path: one key for every job's id.
        let route = context.endpointPath ?? "unrouted"
        throttle.log(context.logger, key: "request|\(status)|\(request.method.rawValue)|\(route)", level: level, "request",
                     metadata: metadata)
    }
}
