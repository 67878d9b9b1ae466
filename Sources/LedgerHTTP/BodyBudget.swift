import Synchronization

/// A ceiling on the request-body bytes held in memory at once, over every
/// connection (`LEDGER_MAX_BODY_BYTES_HELD`): without it, 300 concurrent 1 MiB
/// bodies (forged, so all refused in the end) held ~400 MiB. A request whose
/// next chunk does not fit is refused 503 with `Retry-After`, and counted;
/// what it held is given back when its request ends.
public final class BodyBudget: Sendable {
    public let bytesMax: Int
    private let held = Mutex(0)

    public init(bytesMax: Int) {
        precondition(bytesMax > 0, "a body budget must be positive")
        self.bytesMax = bytesMax
    }

    /// Takes `bytes` if they fit; false (taking nothing) if they do not.
    func take(_ bytes: Int) -> Bool {
        held.withLock { held in
            guard held + bytes <= bytesMax else { return false }
            held += bytes
            return true
        }
    }

    func giveBack(_ bytes: Int) {
        held.withLock { held in
            precondition(held >= bytes, "a body budget gave back more than it lent")
            held -= bytes
        }
    }

    /// Bytes of request bodies held now (a gauge in `/metrics`).
    public var bytesHeld: Int { held.withLock { $0 } }
}
