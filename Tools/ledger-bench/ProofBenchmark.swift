import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting

/// `--proofs [events]`: what the Merkle tree costs and how fast its proofs are.
///
/// 1. The write path: twin logs of 100,000 webhooks (8 concurrent senders),
///    with and without the tree's follower, alternated three times.
/// 2. A log of `events` (default 1,000,000): the follower's time per leaf,
///    the tree's bytes per event, one event's inclusion proof (p50 of 1,000
///    random positions, as `ledger prove --position` makes it) and a job's,
///    and a checkpoint (head, root, signature, stored).
/// 3. A checkpoint's root on a 10,000,000-leaf tree stored in the same
///    tables (leaves synthetic: making 10 M real events takes hours here).
struct ProofBenchmark {
    var events = 1_000_000
    let folder: URL

    var writePathOnly = false

    func run() async throws {
        try await writePath()
        guard !writePathOnly else { return }
        try await proofs()
        try await largeTree()
    }

    /// This process's CPU time (user and system), in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    private func store(_ name: String, follows: Bool) throws -> SQLiteEventStore {
        var options = StoreOptions(durability: .normal)
        options.followsTree = follows
        return try SQLiteEventStore(path: folder.appendingPathComponent(name).path, options: options)
    }

    private static func fill(_ store: SQLiteEventStore, webhooks: Int) async throws -> Double {
        for job in 0..<RetentionBenchmark.jobs { _ = try await store.execute(Fixtures.register("job_\(job)", cost: 10, externalID: "ext_\(job)")) }
        let clock = ManualClock(Timestamp(iso8601: "2026-06-01T10:00:00.000Z")!)
        return try await Measure.seconds {
            try await RetentionBenchmark.deliverWebhooks(to: store, indices: 0..<webhooks, bodyBytes: 300, clock: clock)
        }
    }

    private func writePath() async throws {
        var with: [Double] = [], without: [Double] = []
        var cpuWith: [Double] = [], cpuWithout: [Double] = []
        for run in 0..<3 {
            for follows in [true, false] {
                let store = try store("write-\(run)-\(follows).sqlite", follows: follows)
                let cpu = Self.cpuSeconds()
                let seconds = try await Self.fill(store, webhooks: 100_000)
                if follows {
                    // The follower's last extension finishes before the CPU is read.
                    let head = try await store.head().position
                    while try await store.storedTreeSize() <= head - TreeFollower.leavesPerExtensionMin { try await Task.sleep(for: .milliseconds(5)) }
                }
                let cpuPerWebhook = (Self.cpuSeconds() - cpu) / 100_000 * 1e6
                if follows { with.append(100_000 / seconds); cpuWith.append(cpuPerWebhook) } else { without.append(100_000 / seconds); cpuWithout.append(cpuPerWebhook) }
                await store.close()
            }
        }
        print("write path, 100,000 webhooks, 8 senders, medians of 3:")
        print("  with the follower \(formatted(Measure.median(with))) webhooks/s, without \(formatted(Measure.median(without))) "
              + "(ratio \(String(format: "%.3f", Measure.median(with) / Measure.median(without))))")
        let perEvent = (1 / Measure.median(with) - 1 / Measure.median(without)) * 1e6
        print("  difference per webhook: \(String(format: "%.2f", perEvent)) µs of wall time (negative: within noise)")
        print("  process CPU per webhook (registrations included): with \(String(format: "%.1f", Measure.median(cpuWith))) µs, "
              + "without \(String(format: "%.1f", Measure.median(cpuWithout))) µs, difference "
              + "\(String(format: "%.2f", Measure.median(cpuWith) - Measure.median(cpuWithout))) µs")
    }

    private func proofs() async throws {
        let store = try store("proofs.sqlite", follows: true)
        _ = try await Self.fill(store, webhooks: events)
        let head = try await store.head().position
        let caughtUp = try await Measure.seconds {
            while try await store.storedTreeSize() <= head - TreeFollower.leavesPerExtensionMin { try await Task.sleep(for: .milliseconds(10)) }
        }
        let follower = store.treeFollower.statistics
        print("a log of \(head) events (\(events) webhooks to \(RetentionBenchmark.jobs) jobs):")
        print("  follower: \(follower.extensions) extensions, \(follower.leaves) leaves, "
              + "\(String(format: "%.2f", Double(follower.nanoseconds) / Double(max(1, follower.leaves)) / 1000)) µs per leaf "
              + "(its own task; caught up \(String(format: "%.0f", caughtUp * 1000)) ms after the last commit), \(follower.failures) failures")
        let treeBytes = try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT sum(pgsize) FROM dbstat WHERE name IN ('merkle_nodes', 'merkle_tree')") ?? 0
        }
        let fileBytes = try await store.read { db in
            try Int.fetchOne(db, sql: "SELECT sum(pgsize) FROM dbstat") ?? 0
        }
        print("  tree storage: \(String(format: "%.1f", Double(treeBytes) / Double(head))) bytes per event "
              + "(the whole file \(String(format: "%.0f", Double(fileBytes) / Double(head))))")

        let signer = try NoteSigner.generate(name: "bench")
        let proofs = LogProofs(store)
        var checkpoints: [Double] = []
        var note = ""
        for _ in 0..<20 { checkpoints.append(try await Measure.seconds { note = try await proofs.checkpoint(signer: signer, origin: nil) } * 1000) }
        print("  checkpoint (head, origin, root, sign, store): p50 \(String(format: "%.2f", Measure.median(checkpoints))) ms")
        var generator = SeededGenerator(seed: 29)
        var single: [Double] = [], jobs: [Double] = []
        for _ in 0..<1_000 {
            let position = Int64.random(in: 1...head, using: &generator)
            single.append(try await Measure.seconds { _ = try await proofs.provePosition(position, against: note) } * 1000)
        }
        for _ in 0..<20 {
            let job = "job_\(Int.random(in: 0..<RetentionBenchmark.jobs, using: &generator))"
            jobs.append(try await Measure.seconds { _ = try await proofs.proveJob(job, against: note) } * 1000)
        }
        let jobEvents = try await store.events(inStream: "job-job_0").count
        print("  one event's proof: p50 \(String(format: "%.2f", Measure.median(single))) ms, p99 \(String(format: "%.2f", Measure.percentile(single, 0.99))) ms (1,000 random positions)")
        print("  a job's proof (\(jobEvents) events each): p50 \(String(format: "%.1f", Measure.median(jobs))) ms (20 jobs)")
        await store.close()
    }

    /// A 10 M-leaf tree in the ledger's own tables, leaves derived from their index.
    private func largeTree() async throws {
        let size: Int64 = 10_000_000
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("tree-10m.sqlite").path)
        let storage = SyntheticTree(queue: queue)
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,
                                           PRIMARY KEY (level, idx)) STRICT, WITHOUT ROWID;
                CREATE TABLE merkle_tree (id INTEGER PRIMARY KEY, size INTEGER NOT NULL) STRICT;
                INSERT INTO merkle_tree VALUES (1, 0);
                """)
        }
        var tree = LogTree(storage: storage)
        tree.stepLeaves = 1 << 20
        let cpu = Self.cpuSeconds()
        let building = try await Measure.seconds { try await tree.extend(to: size) }
        let cpuPerLeaf = (Self.cpuSeconds() - cpu) / Double(size) * 1e6
        let signer = try NoteSigner.generate(name: "bench")
        var roots: [Double] = []
        for offset in 0..<20 {
            let at = size - Int64(offset * 7)
            roots.append(try await Measure.seconds {
                let root = try await tree.root(size: at)
                _ = try TreeCheckpoint(origin: "bench", size: at, root: root).signed(by: signer)
            } * 1000)
        }
        print("a tree of \(size) leaves (synthetic leaves, the ledger's tables; built in \(String(format: "%.0f", building)) s, "
              + "\(String(format: "%.2f", cpuPerLeaf)) µs of CPU per leaf, making each synthetic leaf's hash included):")
        print("  a checkpoint's root and signature: p50 \(String(format: "%.2f", Measure.median(roots))) ms (20 sizes near 10 M)")
    }
}

/// Tree storage over the ledger's Merkle tables, with leaf inputs SHA-256(index).
struct SyntheticTree: TreeStorage {
    let queue: DatabaseQueue

    func storedTreeSize() async throws(StoreError) -> Int64 {
        do { return try await queue.read { db in try Int64.fetchOne(db, sql: "SELECT size FROM merkle_tree") ?? 0 } } catch { throw StoreError.unexpected("\(error)") }
    }

    func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String] {
        (first..<first + count).map { ChainHasher.digest(String($0)) }
    }

    func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        do {
            return try await queue.read { db in
                var found: [MerkleTree.Subtree: MerkleHash] = [:]
                for subtree in subtrees {
                    if let data = try Data.fetchOne(db, sql: "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?",
                                                    arguments: [subtree.level, subtree.index]) {
                        found[subtree] = MerkleHash(Array(data))
                    }
                }
                return found
            }
        } catch { throw StoreError.unexpected("\(error)") }
    }

    func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError) {
        do {
            try await queue.write { db in
                let insert = try db.cachedStatement(sql: "INSERT OR \(overwriting ? "REPLACE" : "IGNORE") INTO merkle_nodes VALUES (?, ?, ?)")
                for (subtree, hash) in hashes { try insert.execute(arguments: [subtree.level, subtree.index, Data(hash.bytes)]) }
                try db.execute(sql: "UPDATE merkle_tree SET size = max(size, ?)", arguments: [size])
            }
        } catch { throw StoreError.unexpected("\(error)") }
    }
}
