import Foundation

/// The decision of a batch decided under the chain lock, which runs inside
/// the dialect's use of a connection: on the task that holds the
/// connection, not on the drain. A deadline or a closed connection answers
/// the drain while that task may still be deciding, mutating the writer's
/// cache (``WriteCache``, the drain's alone). So the drain closes this
/// before it goes on: a decision not yet begun never begins, and one under
/// way is waited for (its reads fail once the deadline closed their
/// connection; its deciding is CPU only), for a bounded time: a read that
/// is never answered (a statement on a connection the server had just
/// closed was once seen so) must not stop every write of the node, so past
/// the bound the writer leaves that cache to the stale decision and takes
/// a new one. Without it, the next batch and the stale decision changed one
/// cache at once, which could crash the process or leave it holding job
/// states that were never committed.
final class LockedDecision<Decided>: @unchecked Sendable {
    private let lock = NSLock()
    private var deciding = false
    private var closed = false
    private var decision: Decided?
    private var closer: CheckedContinuation<Bool, Never>?

    /// Called by the decision before it touches the cache; throws once closed.
    func begin() throws {
        try lock.withLock {
            if closed { throw CancellationError() }
            deciding = true
        }
    }

    /// Called by the decision when it is done with the cache, with what it decided.
    func end(_ decided: Decided?) {
        let waiting = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
            deciding = false
            decision = decided
            defer { closer = nil }
            return closer
        }
        waiting?.resume(returning: true)
    }

    /// Returns once no decision runs or can start (`ended`), or after `limit`
    /// with a decision still running (not `ended`: its cache is not the
    /// writer's to use any more); what was decided, if anything.
    func close(waitingAtMost limit: Duration) async -> (decided: Decided?, ended: Bool) {
        let ended = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let waits = lock.withLock { () -> Bool in
                closed = true
                if deciding { closer = continuation }
                return deciding
            }
            guard waits else { return continuation.resume(returning: true) }
            Task { [self] in
                try? await Task.sleep(for: limit)
                giveUp()
            }
        }
        return (lock.withLock { decision }, ended)
    }

    /// Stops waiting for a decision that did not end in time.
    private func giveUp() {
        let waiting = lock.withLock { () -> CheckedContinuation<Bool, Never>? in
            defer { closer = nil }
            return closer
        }
        waiting?.resume(returning: false)
    }
}
