/// What `/readyz`, `/metrics`, `ledger doctor` and the admin front page ask
/// of the engine about itself.
public protocol EngineHealth: Sendable {
    /// Proves the engine takes a durable write now (`/readyz`).
    func probeWritable() async throws(StoreError)
    /// What the engine's own storage needs from an operator: empty when nothing.
    func storageFindings() async throws(StoreError) -> [DoctorFinding]
    /// The log's immutability triggers missing, changed or disabled (what
    /// `verify` reports as `triggers`, read without walking the log): `serve`
    /// says so at start, since the database then no longer refuses an
    /// UPDATE or DELETE of the log. Empty when the log is guarded.
    func guardFindings() async throws(StoreError) -> [VerificationReport.Finding]
    /// The totals behind `/metrics`.
    func totals() async throws(StoreError) -> LedgerTotals
    /// Group commits so far.
    var batchStatistics: BatchStatistics { get }
}
