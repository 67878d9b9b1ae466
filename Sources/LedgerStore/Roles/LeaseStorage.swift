/// Leases on the database's clock, so one process at a time runs each
/// background service however many nodes are up.
public protocol LeaseStorage: Sendable {
    /// Takes or renews the lease `name` for `holder` for `milliseconds` on
    /// the database's clock; nil while another holder's lease runs.
    func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease?
}

extension LeaseStorage {
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

    /// Renews `lease` until cancelled, or until it has passed to another holder
    /// (a renewal that fails for a moment is tried again at the next tick).
    private func keepRenewing(_ lease: Lease, milliseconds: Int64) async {
        while true {
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
