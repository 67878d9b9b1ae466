import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore: RetentionStorage {
    public func lastPosition(recordedBefore cutoff: Timestamp) async throws(StoreError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events WHERE recorded_at < ?",
                               arguments: [cutoff.iso8601]) ?? 0
        }
    }

    public func webhookEvents(after position: Int64, through: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(StoredEvent.selectColumns) FROM events
                WHERE position > ? AND position <= ? AND type = 'webhook.received' ORDER BY position LIMIT ?
                """, arguments: [position, through, limit]).map(StoredEvent.init(row:))
        }
    }

    /// One short write transaction per step, queued with ingest's group
    /// commits; then the pages the step freed go back to the file system, a
    /// few at a time (bodies large enough for overflow pages free whole
    /// pages; smaller ones leave room inside their pages, docs/retention.md).
    /// The writer's cached job states stay: no state holds a raw body.
    public func storeRedactions(_ redactions: [Redaction]) async throws(StoreError) {
        try await write(keepsWriterState: true) { db in
            let statement = try db.cachedStatement(sql: """
                UPDATE events SET data = ? WHERE position = ? AND json_extract(data, '$.body') IS NOT '[redacted]'
                """)
            let recorded = try db.cachedStatement(sql: "INSERT OR IGNORE INTO retention_redactions (position, data_sha256) VALUES (?, ?)")
            for redaction in redactions {
                try statement.execute(arguments: [redaction.data, redaction.position])
                try recorded.execute(arguments: [redaction.position, redaction.dataSHA256])
            }
            try db.execute(sql: "PRAGMA incremental_vacuum(\(Self.freedPagesPerStepMax))")
        }
    }

    /// Pages given back per retention step (4 KiB each, so 16 MiB): a step of
    /// 500 bodies of up to 32 KiB gives back what it freed, and stays short.
    static let freedPagesPerStepMax = 4_096
}
