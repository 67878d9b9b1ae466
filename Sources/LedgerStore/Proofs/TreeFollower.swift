import Foundation

/// Keeps the stored Merkle tree (``LogTree``) up with the log: the writer
/// tells it the head after each group commit, and one task extends the tree
/// to it, off the write path and outside the chain lock, once at least
/// ``leavesPerExtensionMin`` leaves are new. While it works, later commits
/// only raise its target, so under load one extension covers several
/// commits; between extensions a commit reads nothing (this follower knows
/// what it stored). The stored tree lags the log by less than 256 leaves plus the
/// commits of one extension; a proof or a checkpoint past it extends the
/// tree itself (hashing at most those leaves). Extending after every block
/// of 16 cost 4% of SQLite's ingest (one more transaction per commit).
///
/// It keeps the right edge of what it stored (the newest subtree of each
/// level), so an extension reads only its new leaves' chain hashes and
/// writes once. A failed extension is counted and left: the next commit
/// tries again, and a proof or a checkpoint extends the tree itself.
public final class TreeFollower: @unchecked Sendable {
    public struct Statistics: Sendable, Hashable {
        public var extensions = 0
        public var leaves: Int64 = 0
        public var failures = 0
        /// Wall time spent extending (hashing, reading leaves, storing).
        public var nanoseconds: Int64 = 0
    }

    private let tree: LogTree
    private let lock = NSLock()
    private var target: Int64 = 0
    /// The size the stored tree is complete for, as this follower knows it (nil before it read it).
    private var stored: Int64?
    private var rightEdge: [MerkleTree.Subtree: MerkleHash] = [:]
    private var running: Task<Void, Never>?
    private var closed = false
    private var counts = Statistics()

    public init(tree: LogTree) {
        self.tree = tree
    }

    public var statistics: Statistics { lock.withLock { counts } }

    /// New leaves that make an extension worth its transaction.
    public static let leavesPerExtensionMin: Int64 = 256

    /// The log's head is at `size` leaves (position `size`).
    public func headMoved(to size: Int64) {
        lock.withLock {
            guard !closed, size > target else { return }
            target = size
            guard running == nil else { return }
            // Too few new leaves past what this follower stored: nothing to
            // read. The stored size only grows (another node or a proof may
            // have stored further), so the read would find even fewer.
            if let stored, !enoughNew(past: stored) { return }
            running = Task { await self.follow() }
        }
    }

    /// Stops following; waits for an extension under way.
    public func close() async {
        let task: Task<Void, Never>? = lock.withLock {
            closed = true
            return running
        }
        await task?.value
    }

    private func follow() async {
        while true {
            let started = ContinuousClock.now
            do {
                let known = try await storedSize()
                guard let (from, to, edge) = lock.withLock({ plan(from: known) }) else { return }
                let made = try await tree.extend(from: from, to: to, known: edge)
                let elapsed = ContinuousClock.now - started
                let done: Bool = lock.withLock {
                    stored = to
                    rightEdge = LogTree.rightEdge(of: edge.merging(made) { _, new in new })
                    counts.extensions += 1
                    counts.leaves += to - from
                    counts.nanoseconds += Self.nanoseconds(elapsed)
                    return finished(at: to)
                }
                if done { return }
            } catch {
                lock.withLock {
                    stored = nil
                    rightEdge = [:]
                    counts.failures += 1
                    running = nil
                }
                return
            }
        }
    }

    /// Read before each extension (one row): another node's follower, or a
    /// proof or checkpoint that extended the tree itself, may have stored
    /// further, and those leaves must not be hashed again (`plan` then
    /// forgets the edge).
    private func storedSize() async throws(StoreError) -> Int64 {
        try await tree.storage.storedTreeSize()
    }

    /// The next extension from `from`, or nil (and the task ends) when too
    /// few leaves are new. Called holding the lock.
    private func plan(from: Int64) -> (Int64, Int64, [MerkleTree.Subtree: MerkleHash])? {
        // What was read is what is stored, extension or not: commits short of
        // the next extension then read nothing (`headMoved`).
        if stored != from { rightEdge = [:] }
        stored = from
        if finished(at: from) { return nil }
        return (from, min(target, from + tree.stepLeaves), rightEdge)
    }

    /// Whether the task ends with the tree stored to `size`: closed, or too few
    /// leaves new past it (a later commit starts another). Called holding the lock.
    private func finished(at size: Int64) -> Bool {
        guard closed || !enoughNew(past: size) else { return false }
        running = nil
        return true
    }

    /// Whether the target is far enough past `size` for an extension. Called holding the lock.
    private func enoughNew(past size: Int64) -> Bool {
        target - size >= Self.leavesPerExtensionMin
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}
