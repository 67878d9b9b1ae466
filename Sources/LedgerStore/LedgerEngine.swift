import Foundation
import LedgerCore

/// The named read models every engine answers: what the HTTP routes, the
/// admin pages, the background services and the commands read, never SQL of
/// their own.
public protocol ReadModels: JobQueries, OpenJobQueries, NotificationOutbox {
    /// A named question answered as a table (``ReadModel``).
    func table(_ model: ReadModel) async throws(StoreError) -> ReadTable
    func account(_ account: String) async throws(StoreError) -> AccountBalance?
    /// The `provider_health` rows, by provider.
    func providerHealth() async throws(StoreError) -> [JSONValue]
    /// The totals behind `/metrics`.
    func totals() async throws(StoreError) -> LedgerTotals
    /// A job's timeline: each event with the state after it.
    func replay(jobID: String, until limit: ReplayLimit) async throws(StoreError) -> JobTimeline?
    /// The job after it next changes (on any writer), or as it is after `timeout`.
    func jobAfterChange(_ jobID: String, timeout: Duration) async throws(StoreError) -> JobState?
    /// Ends every open and later ``jobAfterChange(_:timeout:)`` at once (shutdown).
    func releaseWaiters()
}

/// What operating a ledger needs of its engine: readiness, settings the
/// deciding processes share, the proofs, and moving the log.
public protocol EngineOperations: Sendable {
    /// Proves the engine takes a durable write now (`/readyz`).
    func probeWritable() async throws(StoreError)
    /// Settings `serve` records for the cron commands (late-completion policy, notifications).
    func recordSettings(_ settings: [String: String]) async throws(StoreError)
    func recordedSettings() async throws(StoreError) -> [String: String]
    /// The chain, the immutability guards and the invariants.
    func verify(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> VerificationReport
    func rebuild(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> Int64
    func rebuildCheck(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> RebuildCheck
    /// What the engine's own storage needs from an operator (`ledger doctor`,
    /// the admin front page): empty when nothing.
    func storageFindings() async throws(StoreError) -> [DoctorFinding]
    /// Why the log does not extend `checkpoint`, or nil when it does.
    func contradiction(of checkpoint: Checkpoint) async throws(StoreError) -> String?
    /// The log after `position` as JSON lines; returns the count written.
    func export(after position: Int64, to handle: FileHandle, batchCount: Int) async throws(StoreError) -> Int64
    /// Exported lines appended after the chain verifies end to end.
    func importEvents(lines: [String]) async throws(StoreError) -> Int64
    /// Group commits so far.
    var batchStatistics: BatchStatistics { get }
    /// Takes or renews the lease `name` for `holder` for `milliseconds` on
    /// the database's clock; nil while another holder's lease runs.
    func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease?
    /// Redacts the raw bodies recorded before the run's cutoff, keeping the proofs (``RetentionRun``).
    func retainBodies(_ run: RetentionRun, dryRun: Bool) async throws(StoreError) -> RetentionReport
}

/// An engine's lifetime: what it started (connections, a change listener,
/// its writer's drain) ends with ``close()``, after the writes already
/// queued are committed; writes asked for after it fail as "retry later".
/// `serve` closes its engine last, as its service group shuts down; every
/// command closes what it opened.
public protocol EngineLifecycle: Sendable {
    func close() async
}

/// A storage engine of the ledger: the log (``EventStore``), its read models
/// and its operations. Each background service holds only the roles it uses
/// (``JobCommands``, ``JobQueries``, ``OpenJobQueries``, ``NotificationOutbox``);
/// HTTP, the admin pages and the commands hold `any LedgerEngine`; only the
/// composition root knows which engine it is. `LedgerTesting.StoreConformance` exercises it all.
/// Its Merkle tree and checkpoints (``TreeStorage``, ``CheckpointStorage``)
/// are what ``LogProofs`` proves from.
public protocol LedgerEngine: EventStore, ReadModels, EngineOperations, EngineLifecycle, TreeStorage, CheckpointStorage {}

extension EngineOperations {
    /// ``verify(progress:)`` without progress reports.
    public func verify() async throws(StoreError) -> VerificationReport { try await verify(progress: { _ in }) }
    public func rebuild() async throws(StoreError) -> Int64 { try await rebuild(progress: { _ in }) }
    public func rebuildCheck() async throws(StoreError) -> RebuildCheck { try await rebuildCheck(progress: { _ in }) }
    /// ``export(after:to:batchCount:)`` in batches of 10,000 events.
    public func export(after position: Int64, to handle: FileHandle) async throws(StoreError) -> Int64 {
        try await export(after: position, to: handle, batchCount: 10_000)
    }
}

extension ReadModels {
    /// The whole timeline of a job.
    public func replay(jobID: String) async throws(StoreError) -> JobTimeline? { try await replay(jobID: jobID, until: .none) }
}
