import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore: TreeStorage {
    public func storedTreeSize() async throws(StoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT size FROM merkle_tree WHERE id = 1") ?? 0 }
    }

    public func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String] {
        try await read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT hash FROM events WHERE position > ? ORDER BY position LIMIT ?"),
                                arguments: [first, count])
        }
    }

    public func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?")
            var found: [MerkleTree.Subtree: MerkleHash] = [:]
            for subtree in subtrees {
                if let bytes = try Data.fetchOne(statement, arguments: [subtree.level, subtree.index]), bytes.count == 32 {
                    found[subtree] = MerkleHash(Array(bytes))
                }
            }
            return found
        }
    }

    /// On the writer connection between group commits; the writer's state stays
    /// (the tree is derived from committed events, it changes none). Committed
    /// without a sync of its own: a tree lost with the last commits before a
    /// power cut is extended again from the chain, and with durability full a
    /// sync per extension would cost more than the hashing. A rebuild's
    /// overwrites are synced: a power cut would bring back the damaged
    /// subtrees under a size that no extension passes again.
    public func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError) {
        try await write(keepsWriterState: true, syncs: overwriting) { db in
            let conflict = overwriting ? "REPLACE" : "IGNORE"
            let insert = try db.cachedStatement(sql: "INSERT OR \(conflict) INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
            for (subtree, hash) in hashes { try insert.execute(arguments: [subtree.level, subtree.index, Data(hash.bytes)]) }
            try db.execute(sql: "UPDATE merkle_tree SET size = max(size, ?) WHERE id = 1", arguments: [size])
        }
    }
}

extension SQLiteEventStore: CheckpointStorage {
    public func saveCheckpoint(_ note: String, size: Int64) async throws(StoreError) {
        let now = Timestamp(Date()).iso8601
        try await write(keepsWriterState: true) { db in
            try db.execute(sql: "INSERT OR REPLACE INTO tree_checkpoints (size, note, created_at) VALUES (?, ?, ?)",
                           arguments: [size, note, now])
        }
    }

    public func newestCheckpoint() async throws(StoreError) -> String? {
        try await read { db in try String.fetchOne(db, sql: "SELECT note FROM tree_checkpoints ORDER BY size DESC LIMIT 1") }
    }
}
