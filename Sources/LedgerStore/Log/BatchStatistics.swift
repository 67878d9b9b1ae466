/// Counts of group commits and what they cost, since the writer started
/// (`/metrics`, `ledger-bench`, the ingest benchmark).
public struct BatchStatistics: Sendable, Hashable {
    public private(set) var commits = 0
    public private(set) var requests = 0
    public private(set) var largest = 0
    /// CPU time the dialect's writer thread spent in commits (SQLite's: inserting
    /// prepared rows and committing; not waiting for the disk). 0 where not measured.
    public private(set) var writerCPUNanoseconds: Int64 = 0
    /// CPU time spent deciding batches (reading the handler's answers aside):
    /// routing, deciding, encoding, hashing, folding.
    public private(set) var decideCPUNanoseconds: Int64 = 0
    /// Client round trips to the database for commits (0 for an embedded one).
    public private(set) var commitRoundTrips = 0
    /// Reads made to decide, one per kind per batch (job streams, owners, ...).
    public private(set) var decideReads = 0
    /// Requests decided again because the prefetch had not loaded a read they made.
    public private(set) var rereads = 0
    /// Time the chain lock was held by this writer's commits.
    public private(set) var lockHeldNanoseconds: Int64 = 0
    /// Wall time of the commit calls, as the writer waited for them (round trips included).
    public private(set) var commitWaitNanoseconds: Int64 = 0
    /// Batches decided again because another writer moved the head first.
    public private(set) var decidedAgain = 0
    /// Commits made holding the chain lock while deciding (after conflicts).
    public private(set) var lockedCommits = 0
    /// Commits placed after other writers' events they were not decided on
    /// (none of which touched what they read), instead of being decided again.
    public private(set) var rebasedCommits = 0

    public init() {}

    /// Counts one commit of `size` requests and its cost.
    public mutating func record(_ size: Int, cost: CommitCost, locked: Bool, rebased: Bool = false) {
        commits += 1
        requests += size
        largest = max(largest, size)
        commitRoundTrips += cost.roundTrips
        lockHeldNanoseconds += cost.lockHeldNanoseconds
        writerCPUNanoseconds += cost.writerCPUNanoseconds
        if locked { lockedCommits += 1 }
        if rebased { rebasedCommits += 1 }
    }

    public mutating func recordDecision(cpuNanoseconds: Int64, reads: Int, rereads: Int) {
        decideCPUNanoseconds += cpuNanoseconds
        decideReads += reads
        self.rereads += rereads
    }

    public mutating func recordConflict() { decidedAgain += 1 }

    public mutating func recordCommitWait(nanoseconds: Int64) { commitWaitNanoseconds += nanoseconds }

    /// The writer thread's CPU per request, in microseconds, since `earlier`.
    public func writerMicrosecondsPerRequest(since earlier: BatchStatistics) -> Double {
        Double(writerCPUNanoseconds - earlier.writerCPUNanoseconds) / 1000 / Double(max(1, requests - earlier.requests))
    }

    /// Deciding's CPU per request, in microseconds, since `earlier`.
    public func decideMicrosecondsPerRequest(since earlier: BatchStatistics) -> Double {
        Double(decideCPUNanoseconds - earlier.decideCPUNanoseconds) / 1000 / Double(max(1, requests - earlier.requests))
    }
}
