/// Leases on the database's clock, so one process at a time runs each
/// background service however many nodes are up.
public protocol LeaseStorage: Sendable {
    /// Takes or renews the lease `name` for `holder` for `milliseconds` on
    /// the database's clock; nil while another holder's lease runs.
    func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease?
}
