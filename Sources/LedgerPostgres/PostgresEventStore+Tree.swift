import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresEventStore: TreeStorage {
    public func storedTreeSize() async throws(StoreError) -> Int64 {
        try await reading { [logger] connection in
            try await rows("SELECT size FROM merkle_tree WHERE id = 1", on: connection, logger: logger).first?.integer("size") ?? 0
        }
    }

    public func chainHashes(fromLeaf first: Int64, count: Int64) async throws(StoreError) -> [String] {
        try await reading { [logger] connection in
            try await rows("SELECT hash FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                           [.integer(first), .integer(count)], on: connection, logger: logger).compactMap { $0.text("hash") }
        }
    }

    public func storedSubtrees(_ subtrees: Set<MerkleTree.Subtree>) async throws(StoreError) -> [MerkleTree.Subtree: MerkleHash] {
        guard !subtrees.isEmpty else { return [:] }
        let keys = Array(subtrees)
        return try await reading { [logger] connection in
            var found: [MerkleTree.Subtree: MerkleHash] = [:]
            for row in try await rows("""
                SELECT m.level::bigint AS level, m.idx, encode(m.hash, 'hex') AS hash
                FROM unnest($1::bigint[], $2::bigint[]) AS k(level, idx) JOIN merkle_nodes m ON m.level = k.level AND m.idx = k.idx
                """, [.integers(keys.map { Int64($0.level) }), .integers(keys.map(\.index))], on: connection, logger: logger) {
                guard let level = row.integer("level"), let index = row.integer("idx"),
                      let hash = row.text("hash").flatMap(MerkleHash.init(hex:)) else { continue }
                found[MerkleTree.Subtree(level: Int(level), index: index)] = hash
            }
            return found
        }
    }

    /// One statement: the nodes (a node another writer stored already is left
    /// as it is, unless `overwriting`) and the size, never lowered.
    public func storeSubtrees(_ hashes: [MerkleTree.Subtree: MerkleHash], size: Int64, overwriting: Bool) async throws(StoreError) {
        let conflict = overwriting ? "(level, idx) DO UPDATE SET hash = excluded.hash" : "DO NOTHING"
        let entries = Array(hashes)
        try await reading { [logger] connection in
            try await run("""
                WITH stored AS (
                    INSERT INTO merkle_nodes (level, idx, hash)
                    SELECT t.level, t.idx, decode(t.hash, 'hex') FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS t(level, idx, hash)
                    ON CONFLICT \(conflict))
                UPDATE merkle_tree SET size = greatest(size, $4) WHERE id = 1
                """, [.integers(entries.map { Int64($0.key.level) }), .integers(entries.map(\.key.index)),
                      .texts(entries.map(\.value.hex)), .integer(size)], on: connection, logger: logger)
        }
    }
}

extension PostgresEventStore: CheckpointStorage {
    public func saveCheckpoint(_ note: String, size: Int64) async throws(StoreError) {
        try await reading { [logger] connection in
            try await run("""
                INSERT INTO tree_checkpoints (size, note) VALUES ($1, $2)
                ON CONFLICT (size) DO UPDATE SET note = excluded.note, created_at = now()
                """, [.integer(size), .text(note)], on: connection, logger: logger)
        }
    }

    public func newestCheckpoint() async throws(StoreError) -> String? {
        try await reading { [logger] connection in
            try await rows("SELECT note FROM tree_checkpoints ORDER BY size DESC LIMIT 1", on: connection, logger: logger)
                .first?.text("note")
        }
    }
}
