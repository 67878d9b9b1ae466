import LedgerStore
import Synchronization

/// The database's totals for `/metrics`: one read at a time, the newest kept.
/// A scrape waits a little for the read it joins or starts, then answers with
/// the newest totals read and their age: on a large ledger a read longer than
/// the wait still lands for the next scrape (instead of never), reads never
/// pile up one per scrape, and while the database is down the last totals are
/// shown with their age growing.
final class TotalsCache: Sendable {
    private struct State {
        var newest: (totals: LedgerTotals, readAt: ContinuousClock.Instant)?
        var reading: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// The newest totals and how long ago they were read (nil before any read succeeded).
    func totals(of health: any EngineHealth, waiting: Duration) async -> (totals: LedgerTotals, age: Duration)? {
        let read = state.withLock { state in
            if let reading = state.reading { return reading }
            let reading = Task { [self] in
                let totals = try? await health.totals()
                self.state.withLock { state in
                    if let totals { state.newest = (totals, .now) }
                    state.reading = nil
                }
            }
            state.reading = reading
            return reading
        }
        _ = await RequestSupport.race(waiting) { await read.value }
        return state.withLock { state in state.newest.map { ($0.totals, ContinuousClock.now - $0.readAt) } }
    }
}
