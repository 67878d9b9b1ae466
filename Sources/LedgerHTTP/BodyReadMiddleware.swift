import Hummingbird
import NIOCore
import Synchronization

/// Reads every request body in full before routing, within the read timeout
/// (`LEDGER_READ_TIMEOUT`) and the size limit (`LEDGER_MAX_BODY`), so that no
/// route, and no refusal before a route reads (401, 404), leaves a body
/// unread: Hummingbird would drain it after the answer for as long as the
/// client trickles, each byte restarting the idle timeout (slowloris).
///
/// - A body that declares a length past the limit and `drainBytesMax` is
///   answered 413 at once, with `Connection: close`, unread.
/// - A body over the limit that still ends within the timeout, and within
///   `drainBytesMax` more, is read to its end and answered 413: the client gets
///   a clean answer and the connection stays usable.
/// - A body that does not end within the timeout, or goes on past the drain
///   allowance, is answered 408 (413 when its declared length is over the
///   limit) with `Connection: close`, and the server stops reading the
///   connection.
///
/// Every byte kept is taken from the shared ``BodyBudget`` first, and given
/// back when the request ends: a body that does not fit is refused 503 with
/// `Retry-After` and `Connection: close`.
struct BodyReadMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let limit: Int
    let timeout: Duration
    let budget: BodyBudget
    let metrics: LedgerMetrics
    /// Told of every refusal made here, before any route saw the request (the webhook counters).
    let refused: @Sendable (Request, Problem, Context) -> Void
    /// A refusal due before a byte of the body is read, or nil: an app's
    /// request without a key this node knows takes nothing from the shared
    /// budget (a few unauthenticated, unfinished bodies held it for the read
    /// timeout, and signed webhooks got 503 meanwhile).
    let refuseUnread: @Sendable (Request) -> Problem?
    /// Bytes past the limit read and discarded so an honest client over the limit still gets its 413.
    static let drainBytesMax = 8 << 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.declaresBody(request) else { return try await next(request, context) }
        let limit = limit
        // Declared past what would be drained: refused before a byte of it is read (waiting
        // for it would leave a client that pauses after its headers with no answer).
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit + Self.drainBytesMax {
            let problem = Self.tooLarge(limit, closing: true)
            context.stopReading()
            refused(request, problem, context)
            throw problem
        }
        if let problem = refuseUnread(request) {
            context.stopReading()
            refused(request, problem, context)
            throw problem
        }
        let lease = BodyLease(budget: budget)
        defer { lease.end() }
        let read = try await RequestSupport.race(timeout) { try await Self.read(request, limit: limit, lease: lease) }.get()
        if case .complete(let buffer)? = read {
            var request = request
            request.body = RequestBody(buffer: buffer)
            return try await next(request, context)
        }
        let problem = refusal(read, declaredLength: request.headers[.contentLength].flatMap(Int.init))
        if case .overBudget? = read { metrics.shedForBodyBudget() }
        if problem.closesConnection { context.stopReading() }
        refused(request, problem, context)
        throw problem
    }

    /// 413 for a body over the limit (kept open when it was read to its end),
    /// 408 for one that did not end in time (413 if it declared a length over the limit).
    private func refusal(_ read: Read?, declaredLength: Int?) -> Problem {
        switch read {
        case .tooLarge(let drained)?: Self.tooLarge(limit, closing: !drained)
        case nil where (declaredLength ?? 0) > limit: Self.tooLarge(limit, closing: true)
        case nil: Problem(.requestTimeout, "Request timeout",
                          detail: "the body did not arrive within \(timeout) (LEDGER_READ_TIMEOUT); send it at once",
                          closesConnection: true)
        case .overBudget?: Problem(.serviceUnavailable, "Too many bodies at once",
                                   detail: "the ledger holds \(budget.bytesMax) bytes of request bodies already "
                                       + "(LEDGER_MAX_BODY_BYTES_HELD); retry shortly",
                                   retryAfterSeconds: 1, closesConnection: true)
        case .complete?: preconditionFailure("a complete body is not refused")
        }
    }

    static func tooLarge(_ limit: Int, closing: Bool) -> Problem {
        Problem(.contentTooLarge, "Body too large", detail: "the body is over \(limit) bytes (LEDGER_MAX_BODY)", closesConnection: closing)
    }

    enum Read: Sendable {
        case complete(ByteBuffer)
        /// Over the limit; `drained`: read to its end.
        case tooLarge(drained: Bool)
        /// The bytes held by every request together would pass the budget.
        case overBudget
    }

    static func read(_ request: Request, limit: Int, lease: BodyLease) async throws -> Read {
        var collected = ByteBuffer()
        var seen = 0
        for try await chunk in request.body {
            seen += chunk.readableBytes
            if seen <= limit {
                guard lease.take(chunk.readableBytes) else { return .overBudget }
                collected.writeImmutableBuffer(chunk)
            } else if seen > limit + drainBytesMax {
                return .tooLarge(drained: false)
            }
        }
        return seen > limit ? .tooLarge(drained: true) : .complete(collected)
    }

    /// HTTP/1.1: a request has a body only when it says so (RFC 9112 §6.3).
    static func declaresBody(_ request: Request) -> Bool {
        request.headers[.transferEncoding] != nil || (request.headers[.contentLength].map { $0 != "0" } ?? false)
    }
}

/// The bytes one request took from the ``BodyBudget``, given back once when
/// the request ends. A reader the read timeout abandoned may still try to
/// take a chunk afterwards: an ended lease takes nothing, so no byte leaks.
final class BodyLease: Sendable {
    private let budget: BodyBudget
    private let state = Mutex<(taken: Int, ended: Bool)>((0, false))

    init(budget: BodyBudget) { self.budget = budget }

    func take(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard !state.ended, budget.take(bytes) else { return false }
            state.taken += bytes
            return true
        }
    }

    func end() {
        let bytes = state.withLock { state in
            defer { state = (0, true) }
            return state.taken
        }
        if bytes > 0 { budget.giveBack(bytes) }
    }
}
