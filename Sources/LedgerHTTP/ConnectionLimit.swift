import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The connections the server keeps open at once. Past the file-descriptor
/// limit the kernel can no longer hand the server new connections: they wait
/// unanswered in the backlog until the client gives up. Kept under that limit
/// (``derivedFromDescriptorLimit()``), every connection is accepted, and one
/// over the cap is answered 503 with `Retry-After` and closed at once; the
/// service recovers as soon as connections close.
public final class ConnectionLimit: Sendable {
    public let connectionsMax: Int
    private let open = Mutex(0)

    public init(connectionsMax: Int) {
        precondition(connectionsMax >= 1, "at least one connection")
        self.connectionsMax = connectionsMax
    }

    /// The soft `RLIMIT_NOFILE` less what the process needs besides
    /// connections (database, WAL, logs, outbound polls and notifications):
    /// an eighth of the limit, at least 32.
    public static func derivedFromDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < (1 << 20) else { return 10_000 }
        let descriptors = Int(limit.rlim_cur)
        return max(1, descriptors - max(32, descriptors / 8))
    }

    func enter() -> Bool {
        open.withLock { open in
            guard open < connectionsMax else { return false }
            open += 1
            return true
        }
    }

    func leave() { open.withLock { $0 -= 1 } }

    /// Connections open now, admitted ones only.
    public var openCount: Int { open.withLock { $0 } }

    /// One handler per connection, for Hummingbird's `additionalChannelHandlers`.
    public func handler(onShed: @escaping @Sendable () -> Void) -> any RemovableChannelHandler {
        ConnectionLimitHandler(limit: self, onShed: onShed)
    }
}

/// Admits a connection under the ``ConnectionLimit``; over it, answers the
/// first request 503 and closes the connection.
final class ConnectionLimitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: ConnectionLimit
    private let onShed: @Sendable () -> Void
    private var admitted = false
    private var answered = false

    init(limit: ConnectionLimit, onShed: @escaping @Sendable () -> Void) {
        self.limit = limit
        self.onShed = onShed
    }

    func handlerAdded(context: ChannelHandlerContext) {
        admitted = limit.enter()
        guard !admitted else { return }
        // Over the cap and silent: closed after a second whether or not a
        // request came, so idle connections cannot hold descriptors past the cap.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(1)) { bound.value.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if admitted { limit.leave() }
        admitted = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !admitted else {
            context.fireChannelRead(data)
            return
        }
        guard case .head = unwrapInboundIn(data), !answered else { return }
        answered = true
        onShed()
        let body = ByteBuffer(string: #"{"type":"about:blank","title":"Too many connections","status":503,"#
            + #""detail":"the ledger holds its most connections (LEDGER_MAX_CONNECTIONS); retry shortly"}"#)
        var head = HTTPResponse(status: .serviceUnavailable)
        head.headerFields[.contentType] = "application/problem+json"
        head.headerFields[.contentLength] = String(body.readableBytes)
        head.headerFields[.retryAfter] = "1"
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
