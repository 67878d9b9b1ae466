import Foundation

/// Runs blocking work (a child process, a socket read) on a Dispatch thread.
/// Blocking the test's own thread holds one of the cooperative pool's
/// threads (two on this machine) and starves the in-process servers of other
/// tests running beside it.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

extension Process {
    /// Waits for the process to end, off the cooperative pool (see `offPool`).
    public func exited() async {
        _ = try? await offPool { self.waitUntilExit() }  // the body cannot throw
    }
}
