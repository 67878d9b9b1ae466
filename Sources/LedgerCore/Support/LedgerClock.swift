/// Where background work takes its time from: the system clock in
/// `ledger serve`, a manual clock in tests, so days of schedule run in
/// milliseconds. The core itself never reads a clock; it only names this.
public protocol LedgerClock: Sendable {
    var now: Timestamp { get }
    /// Returns once the clock has reached `deadline` (or throws on cancellation).
    func sleep(until deadline: Timestamp) async throws
}
