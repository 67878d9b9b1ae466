import Hummingbird

/// Hummingbird's basic context plus one thing the ledger needs from the
/// connection: to stop reading it. A request refused before its body was read
/// (408 for a body trickled past the read timeout, 413 for one over the limit)
/// would otherwise keep the connection while Hummingbird drains the rest of the
/// body, for as long as the client keeps trickling (slowloris; measured with
/// Tools/fault-harness/slowloris.py).
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
