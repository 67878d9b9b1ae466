import Hummingbird

/// Hummingbird's basic context plus one thing the ledger needs from the
/// connection: to stop reading it, when `BodyReadMiddleware` refuses a body
/// that did not end in time (Hummingbird would otherwise drain the rest after
/// the answer for as long as the client trickles).
public struct LedgerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Closes the connection's input: the answer is still written, then the connection closes.
    let stopReading: @Sendable () -> Void

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        stopReading = { channel.close(mode: .input, promise: nil) }
    }
}
