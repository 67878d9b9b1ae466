import Foundation
import LedgerCore

/// The named read models every engine answers: what the HTTP routes, the
/// admin pages, the background services and the commands read, never SQL of
/// their own.
public protocol ReadModels: Sendable {
    /// A named question answered as a table (``ReadModel``).
    func table(_ model: ReadModel) async throws(StoreError) -> ReadTable
    func account(_ account: String) async throws(StoreError) -> AccountBalance?
}

extension ReadModels {
    /// The `provider_health` rows, by provider.
    public func providerHealth() async throws(StoreError) -> [ProviderHealthRow] { try await table(.providerHealth).decoded() }
}

/// Operating a ledger's log: the proofs of its integrity, its projections,
/// moving it and retention.
public protocol EngineOperations: Sendable {
    /// The chain, the immutability guards and the invariants.
    func verify(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> VerificationReport
    func rebuild(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> Int64
    func rebuildCheck(progress: @escaping @Sendable (Int64) -> Void) async throws(StoreError) -> RebuildCheck
    /// Why the log does not extend `checkpoint`, or nil when it does.
    func contradiction(of checkpoint: Checkpoint) async throws(StoreError) -> String?
    /// The log after `position` as JSON lines; returns the count written.
    func export(after position: Int64, to handle: FileHandle, batchCount: Int) async throws(StoreError) -> Int64
    /// Exported lines appended after the chain verifies end to end.
    func importEvents(lines: [String]) async throws(StoreError) -> Int64
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

/// A storage engine of the ledger: the log (``EventStore``), its read side,
/// its operations, cut into roles by who uses them. Each consumer holds only
/// the roles it uses: the background services (``JobCommands``,
/// ``JobQueries``, ``OpenJobQueries``, ``NotificationOutbox``), the HTTP
/// routes (through `LedgerServices`' role accessors), the re-driver. Only a
/// composition root (`serve`, each command) holds the engine and knows which
/// one it is. `LedgerTesting.StoreConformance` exercises it all. Its Merkle
/// tree and checkpoints (``TreeStorage``, ``CheckpointStorage``) are what
/// ``LogProofs`` proves from.
public protocol LedgerEngine: EventStore, JobQueries, OpenJobQueries, NotificationOutbox, ReadModels, JobHistory, ChangeFeed,
    EngineHealth, SettingsStorage, LeaseStorage, EngineOperations, EngineLifecycle, TreeStorage, CheckpointStorage {}

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
