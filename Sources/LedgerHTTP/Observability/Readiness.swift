import Synchronization

/// Whether the service should receive traffic (`/readyz`, `ledger_ready`):
/// not while shutting down, and not while the last write failed for a
/// storage reason (disk full, I/O error, lock timeout) until a later write or
/// readiness probe succeeds, so it recovers without a restart.
public final class Readiness: Sendable {
    private struct State {
        var shuttingDown = false
        var storageFailure: String?
    }

    private let state = Mutex(State())

    public init() {}

    public func storageFailed(_ detail: String) { state.withLock { $0.storageFailure = detail } }
    public func storageSucceeded() { state.withLock { $0.storageFailure = nil } }
    public func shutdownBegan() { state.withLock { $0.shuttingDown = true } }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }
    public var storageFailure: String? { state.withLock { $0.storageFailure } }
    public var isReady: Bool { state.withLock { !$0.shuttingDown && $0.storageFailure == nil } }
}
