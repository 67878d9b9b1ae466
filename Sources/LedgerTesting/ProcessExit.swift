import Foundation

extension Process {
    /// Waits for the process to end on a Dispatch thread. `waitUntilExit()` on
    /// the test's own thread blocks one of the cooperative pool's threads (two
    /// on this machine) and starves the in-process servers of other tests
    /// running beside it.
    public func exited() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.waitUntilExit()
                continuation.resume()
            }
        }
    }
}
