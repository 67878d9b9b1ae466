import Synchronization

/// Whether the service should receive traffic (`/readyz`, `ledger_ready`):
/// not while shutting down, and not while the last write failed for a
/// storage reason (disk full, I/O error, lock timeout) until a later write or
/// readiness probe succeeds, so it recovers without a restart. A database
/// found damaged stays not ready until a restart (after a restore): a probe
/// that happens to write a sound page proves nothing about the damaged ones.
public final class Readiness: Sendable {
    private struct State {
        var shuttingDown = false
        var storageFailure: String?
        /// What the last `/readyz` probe found (the free-space reserve among it)
        /// and when: a later probe clears it, not a write that still fit; it
        /// counts for `probeFailureLasts` (an orchestrator that stopped probing
        /// must not leave `ledger_ready` at 0 for good).
        var probeFailure: (detail: String, at: ContinuousClock.Instant)?
        var damage: String?
    }

    private let state = Mutex(State())
    private let probeFailureLasts: Duration

    public init(probeFailureLasts: Duration = .seconds(30)) { self.probeFailureLasts = probeFailureLasts }

    /// `lasting`: the failure does not pass by itself (a damaged database).
    /// Returns true when this is the first lasting failure (for one log line at critical level).
    @discardableResult
    public func storageFailed(_ detail: String, lasting: Bool = false) -> Bool {
        state.withLock { state in
            guard lasting else {
                state.storageFailure = detail
                return false
            }
            guard state.damage == nil else { return false }
            state.damage = detail
            return true
        }
    }
    public func storageSucceeded() { state.withLock { $0.storageFailure = nil } }
    public func probeFailed(_ detail: String) { state.withLock { $0.probeFailure = (detail, .now) } }
    /// A probe's write succeeded: writes work again too.
    public func probeSucceeded() { state.withLock { $0.probeFailure = nil; $0.storageFailure = nil } }
    public func shutdownBegan() { state.withLock { $0.shuttingDown = true } }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }
    /// Why the database cannot take writes now, if it cannot (damage first).
    public var storageFailure: String? { state.withLock { $0.damage ?? $0.storageFailure ?? recent($0.probeFailure) } }
    public var isReady: Bool {
        state.withLock { !$0.shuttingDown && $0.storageFailure == nil && recent($0.probeFailure) == nil && $0.damage == nil }
    }

    private func recent(_ failure: (detail: String, at: ContinuousClock.Instant)?) -> String? {
        guard let failure, ContinuousClock.now - failure.at < probeFailureLasts else { return nil }
        return failure.detail
    }
}
