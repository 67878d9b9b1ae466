import LedgerCore

/// What a storage engine supplies to ``GroupCommit``, the write path written
/// once: reads for deciding, the head, and the commit of a prepared batch.
/// A dialect owns its SQL, its connections and its transactions; it decides
/// nothing (every rule is in the core, every write is prepared before it is called).
///
/// The contract that keeps exactly-once decisions: ``commit(_:)`` writes the
/// batch only if the chain head is still `batch.expected`, in the transaction
/// that holds the chain lock, and otherwise writes nothing and answers what
/// moved the head. Every decider input changes only with an append, and
/// every append moves the head, so an unchanged head means the batch was
/// decided on what is committed.
public protocol WriteDialect: Sendable {
    /// The head as committed now. `queuedSince` is when the batch's oldest
    /// request was queued: a dialect that bounds its waits counts the queueing
    /// against the request's deadline (here and in the other calls).
    func head(queuedSince: ContinuousClock.Instant) async throws -> HeadState

    /// What moved the head since `known`, or nil when it has not moved: a
    /// batch that writes nothing (every request refused or already recorded)
    /// still answers only on what is committed.
    func moved(since known: ChainHead, queuedSince: ContinuousClock.Instant) async throws -> HeadMove?

    /// Reads for deciding a batch, outside any lock.
    func loader(queuedSince: ContinuousClock.Instant) -> any ReadLoader

    /// Writes `batch` (its rows, job rows, projection delta, the projections'
    /// checkpoint, and the change notification where the dialect has one) in
    /// one durable transaction if the head is still `batch.expected` and its
    /// fence still holds; else writes nothing.
    func commit(_ batch: PreparedBatch) async throws -> CommitAnswer

    /// True when the dialect can hold the chain lock while the writer decides
    /// (``commitHoldingLock(known:fence:queuedSince:decide:)``): the way out of repeated
    /// conflicts between nodes. An embedded database with one writing process
    /// has no use for it.
    var holdsLockWhileDeciding: Bool { get }

    /// Takes the chain lock, answers what moved the head since `known` (nil
    /// when nothing did) and a loader reading inside the lock's transaction to
    /// `decide`, then commits what it returns (nil: nothing to write) before
    /// letting go of the lock. The batch cannot meet a moved head.
    func commitHoldingLock(known: ChainHead, fence: Lease?, queuedSince: ContinuousClock.Instant,
                           decide: @escaping @Sendable (HeadMove?, any ReadLoader) async throws -> PreparedBatch?) async throws -> CommitAnswer
}

extension WriteDialect {
    public var holdsLockWhileDeciding: Bool { false }

    public func commitHoldingLock(known: ChainHead, fence: Lease?, queuedSince: ContinuousClock.Instant,
                                  decide: @escaping @Sendable (HeadMove?, any ReadLoader) async throws -> PreparedBatch?) async throws -> CommitAnswer {
        preconditionFailure("this dialect does not hold the chain lock while deciding")
    }
}
