/// What `/readyz`, `/metrics`, `ledger doctor` and the admin front page ask
/// of the engine about itself.
public protocol EngineHealth: Sendable {
    /// Proves the engine takes a durable write now (`/readyz`).
    func probeWritable() async throws(StoreError)
    /// What the engine's own storage needs from an operator: empty when nothing.
    func storageFindings() async throws(StoreError) -> [DoctorFinding]
    /// The totals behind `/metrics`.
    func totals() async throws(StoreError) -> LedgerTotals
    /// Group commits so far.
    var batchStatistics: BatchStatistics { get }
}
