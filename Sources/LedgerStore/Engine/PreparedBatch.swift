import LedgerCore

/// A group commit, decided and encoded before any lock: what a dialect
/// writes in one transaction if the chain head is still ``expected``.
public struct PreparedBatch: Sendable {
    /// The head the batch was decided against; the first row extends it.
    public var expected: ChainHead
    /// The rows to insert, chained, in position order.
    public var events: [StoredEvent] = []
    /// Each job the batch changed, as its `projection_jobs` row after the batch
    /// (registered jobs only; without the in-memory delivery sets).
    public var jobs: [JobState] = []
    public var projections = ProjectionDelta()
    /// The background round's lease the batch's writes are made under, checked
    /// in the same transaction (nil: no round).
    public var fence: Lease?
    /// When the batch's oldest request was queued: a dialect that bounds its
    /// waits counts the queueing against the request's deadline.
    public var queuedSince = ContinuousClock.now
    /// Set when the batch may be moved to later positions if the head moved
    /// (``Rebase``); nil when it must be decided again.
    public var rebase: Rebase?

    /// What lets a dialect place a batch after events it was not decided on:
    /// none of them touched what the batch read. Only for batches whose
    /// events name no position (``LedgerEvent/mentionsPositions``), write no
    /// orphan and use no idempotency key: moved, their bytes stay the same
    /// but for positions and hashes, which the dialect recomputes.
    public struct Rebase: Sendable, Hashable {
        /// Every stream whose state or version the batch's requests read or wrote.
        public var readStreams: [String]
        /// Whether a request relied on something being absent (no owner of an
        /// external id, no such orphan): then a registration, a submission or
        /// an orphan by another writer meanwhile also forbids the move.
        public var readsAbsentFacts: Bool
        /// Whether the batch's times may be raised to the head's when other
        /// writers' events, placed before it, were recorded later than it was
        /// decided: true when the only time a projection keeps of its events is
        /// each job's last event time and a provider's last webhook time
        /// (no registration, no submission), which the dialect raises with them.
        public var timeFlexible: Bool

        public init(readStreams: [String], readsAbsentFacts: Bool, timeFlexible: Bool) {
            self.readStreams = readStreams
            self.readsAbsentFacts = readsAbsentFacts
            self.timeFlexible = timeFlexible
        }
    }

    public init(expected: ChainHead) {
        self.expected = expected
    }

    /// The head after the batch.
    public var head: ChainHead {
        events.last.map { ChainHead(position: $0.position, hash: $0.hash) } ?? expected
    }

    /// The jobs whose rows change: long polls waiting on them are woken after the commit.
    public var changedJobs: Set<String> { Set(jobs.map(\.jobID)) }

    /// Nothing to write (every request was refused or already recorded).
    public var isEmpty: Bool { events.isEmpty && jobs.isEmpty && projections.isEmpty }
}

/// The chain's head as a writer needs it: with the time of its last event,
/// since `recorded_at` never goes back.
public struct HeadState: Sendable, Hashable {
    public var head: ChainHead
    public var recordedAt: Timestamp

    public init(head: ChainHead, recordedAt: Timestamp) {
        self.head = head
        self.recordedAt = recordedAt
    }

    public static let genesis = HeadState(head: .genesis, recordedAt: Timestamp(millisecondsSinceEpoch: 0))
}

/// What moved the head since a writer last knew it: the events other writers
/// appended after `known`, or nil when there were more than a dialect returns
/// (then everything a writer holds in memory is forgotten).
public struct HeadMove: Sendable {
    public var head: HeadState
    public var foreign: [StoredEvent]?

    public init(head: HeadState, foreign: [StoredEvent]?) {
        self.head = head
        self.foreign = foreign
    }

    /// The most foreign events a dialect returns; past it, the writer starts afresh.
    public static let foreignCountMax = 5_000
}

/// A dialect's answer to a batch's commit.
public enum CommitAnswer: Sendable {
    /// Written and durable.
    case committed(CommitCost)
    /// Written and durable after the events of ``Rebased/move``: every
    /// position of the batch `shift` later, its hashes recomputed.
    case rebased(Rebased, CommitCost)
    /// Another writer appended first: nothing was written.
    case headMoved(HeadMove)
    /// The batch's fence is no longer the lease's holder and epoch: nothing was written.
    case fenceLost
}

/// A batch committed after other writers' events it was not decided on.
public struct Rebased: Sendable {
    /// How far the batch's positions moved.
    public var shift: Int64
    /// The head after the batch, with its recomputed hash.
    public var head: ChainHead
    /// What had moved the head before the batch (the other writers' events).
    public var move: HeadMove
    /// The time the batch's earlier times were raised to (the head's), if any were.
    public var raisedTo: Timestamp?

    public init(shift: Int64, head: ChainHead, move: HeadMove, raisedTo: Timestamp?) {
        self.shift = shift
        self.head = head
        self.move = move
        self.raisedTo = raisedTo
    }
}

/// What a commit cost, as the dialect measured it (metrics and the benchmark).
public struct CommitCost: Sendable, Hashable {
    /// Client round trips to the database for this commit (0 for an embedded database).
    public var roundTrips: Int
    /// How long the chain lock was held, from taking it to the commit.
    public var lockHeldNanoseconds: Int64
    /// CPU the dialect's own thread spent writing (SQLite's writer), or 0 when not measured.
    public var writerCPUNanoseconds: Int64

    public init(roundTrips: Int, lockHeldNanoseconds: Int64, writerCPUNanoseconds: Int64 = 0) {
        self.roundTrips = roundTrips
        self.lockHeldNanoseconds = lockHeldNanoseconds
        self.writerCPUNanoseconds = writerCPUNanoseconds
    }
}
