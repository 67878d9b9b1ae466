import Foundation

/// At most `count` reads at once, waiting without holding a thread.
///
/// Each read runs GRDB's synchronous read on a Dispatch thread; without a
/// bound, many concurrent reads would each park a thread waiting for one of
/// the pool's few connections.
final class ReadPermits: @unchecked Sendable {
    private let lock = NSLock()
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(count: Int) {
        precondition(count >= 1, "at least one read at a time")
        available = count
    }

    func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            lock.lock()
            if available > 0 {
                available -= 1
                lock.unlock()
                waiter.resume()
            } else {
                waiters.append(waiter)
                lock.unlock()
            }
        }
    }

    func release() {
        lock.lock()
        if waiters.isEmpty {
            available += 1
            lock.unlock()
        } else {
            let next = waiters.removeFirst()
            lock.unlock()
            next.resume()
        }
    }
}
