import Hummingbird
import Logging
import NIOHTTP1

/// Every error leaves as `application/problem+json`, including the
/// framework's own (no such route, a request it could not read) and any
/// unexpected error, whose text is logged but never sent: it could hold
/// internals a caller should not see.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    /// A storage failure refuses every request alike: its line at most once per reason and window.
    let throttle: LogThrottle

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            if let reason = problem.logReason {
                let message: Logger.Message = problem.status == .serviceUnavailable ? "storage unavailable" : "\(problem.title.lowercased())"
                throttle.log(context.logger, key: "problem|\(problem.status.code)|\(reason.prefix(200))",
                             level: problem.status == .serviceUnavailable ? .warning : .error, message,
                             metadata: ["reason": .string(reason), "status": .stringConvertible(Int(problem.status.code))])
            }
            throw problem
        } catch let error as HTTPError {
            throw Problem(error.status, error.status.reasonPhrase, detail: detail(error, request))
        } catch let error as any HTTPResponseError {
            throw Problem(error.status, error.status.reasonPhrase, detail: error.status.reasonPhrase)
        } catch let error as HTTPParserError {
            // The client's framing (a bad chunk size, a body cut short): its fault, not the ledger's,
            // so not a 500 that pages whoever watches for a damaged database.
            context.logger.notice("malformed request", metadata: ["error": .string(String(describing: error))])
            throw Problem.badRequest("the request could not be read: \(error)")
        } catch {
            context.logger.error("unexpected error", metadata: ["error": .string(String(describing: error))])
            throw Problem(.internalServerError, "Internal error",
                          detail: "the ledger failed unexpectedly; the request may be retried (nothing is answered 2xx unless stored)")
        }
    }

    private func detail(_ error: HTTPError, _ request: Request) -> String {
        switch error.status {
        case .notFound: "no route \(request.method.rawValue) \(request.uri.path); see Schemas/openapi.yaml"
        case .methodNotAllowed: "\(request.method.rawValue) is not allowed on \(request.uri.path)"
        default: error.body ?? error.status.reasonPhrase
        }
    }
}
