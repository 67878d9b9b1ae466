import Foundation

/// The decision of a batch decided under the chain lock, which runs inside
/// the dialect's use of a connection: on the task that holds the
/// connection, not on the drain. A deadline or a closed connection answers
/// the drain while that task may still be deciding, mutating the writer's
/// cache (``WriteCache``, the drain's alone). So the drain closes this
/// before it goes on: a decision not yet begun never begins, and one under
/// way is waited for (its reads fail once the deadline closed their
/// connection; its deciding is CPU only). Without it, the next batch and
/// the stale decision changed one cache at once, which could crash the
/// process or leave it holding job states that were never committed.
final class LockedDecision<Decided>: @unchecked Sendable {
    private let lock = NSLock()
    private var deciding = false
    private var closed = false
    private var decision: Decided?
    private var closer: CheckedContinuation<Void, Never>?

    /// Called by the decision before it touches the cache; throws once closed.
    func begin() throws {
        try lock.withLock {
            if closed { throw CancellationError() }
            deciding = true
        }
    }

    /// Called by the decision when it is done with the cache, with what it decided.
    func end(_ decided: Decided?) {
        let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            deciding = false
            decision = decided
            defer { closer = nil }
            return closer
        }
        waiting?.resume()
    }

    /// Returns once no decision runs or can start; what was decided, if anything.
    func close() async -> Decided? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waits = lock.withLock { () -> Bool in
                closed = true
                if deciding { closer = continuation }
                return deciding
            }
            if !waits { continuation.resume() }
        }
        return lock.withLock { decision }
    }
}
