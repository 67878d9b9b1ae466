import Synchronization

/// One heavy multi-process test at a time (several `ledger serve`
/// processes, a private PostgreSQL, storms): run side by side on two shared
/// cores they starved the in-process servers of other tests past their
/// 20 s read timeout.
public enum HeavyTests {
    private static let slot = Mutex<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    public static func one<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private static func acquire() async {
        await withCheckedContinuation { continuation in
            let now = slot.withLock { state -> Bool in
                if state.busy { state.waiting.append(continuation); return false }
                state.busy = true
                return true
            }
            if now { continuation.resume() }
        }
    }

    private static func release() {
        let next = slot.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty { state.busy = false; return nil }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
