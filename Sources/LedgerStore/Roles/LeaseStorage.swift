/// Leases on the database's clock, so one process at a time runs each
/// background service however many nodes are up.
public protocol LeaseStorage: Sendable {
    /// Takes or renews the lease `name` for `holder` for `milliseconds` on
    /// the database's clock; nil while another holder's lease runs.
    func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease?
    /// Lets every lease of `holder` lapse now (a process that stops: another
    /// node takes its services at its next round, not three rounds later);
    /// a failure is left to the leases' own expiry.
    func releaseLeases(holder: String) async
}

extension LeaseStorage {
    /// Renewals, one every third of a lease, in one round: ten lease lengths.
    static var renewalsPerRoundMax: Int { 30 }

    /// Runs `round` under the lease `name` when `holder` gets it (false: another
    /// holder's lease runs), renewing it every third of `milliseconds` while the
    /// round runs. A round longer than its lease (a poller's backlog after a
    /// restart or a provider's pause, a slow notification) keeps it: without
    /// renewal, every write after the lease lapsed was refused while the round
    /// went on polling and sending, and another node could take the lease and
    /// send the same notification again. The round's writes carry the lease
    /// (``Lease/current``): refused once it has passed to another holder.
    public func whileHolding(_ name: String, holder: String, milliseconds: Int64,
                             _ round: () async throws -> Void) async throws -> Bool {
        guard let lease = try await claimLease(name, holder: holder, milliseconds: milliseconds) else { return false }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await keepRenewing(lease, milliseconds: milliseconds) }
            defer { group.cancelAll() }
            try await Lease.$current.withValue(lease) { try await round() }
        }
        return true
    }

    /// Renews `lease` until cancelled, until it has passed to another holder
    /// (a renewal that fails for a moment is tried again at the next tick), or
    /// for ten lease lengths at most: a round wedged past that (a write that
    /// never returns) lets the lease lapse, so another node takes the service
    /// over (this round's later writes are then refused).
    private func keepRenewing(_ lease: Lease, milliseconds: Int64) async {
        for _ in 0..<Self.renewalsPerRoundMax {
            do {
                try await Task.sleep(for: .milliseconds(max(milliseconds / 3, 1)))
            } catch {
                return
            }
            do {
                guard let renewed = try await claimLease(lease.name, holder: lease.holder, milliseconds: milliseconds),
                      renewed.epoch == lease.epoch else { return }
            } catch {
                continue
            }
        }
    }
}
