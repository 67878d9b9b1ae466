import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresEventStore: RetentionStorage {
    public func lastPosition(recordedBefore cutoff: Timestamp) async throws(StoreError) -> Int64 {
        try await reading { [self] connection in
            try await rows("SELECT coalesce(max(position), 0) AS position FROM events WHERE recorded_at < $1",
                           [.text(cutoff.iso8601)], on: connection, logger: logger).first?.integer("position") ?? 0
        }
    }

    public func webhookEvents(after position: Int64, through: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await reading { [self] connection in
            try await rows("""
                SELECT \(StoredEvent.postgresSelectList) FROM events
                WHERE position > $1 AND position <= $2 AND type = 'webhook.received' ORDER BY position LIMIT $3
                """, [.integer(position), .integer(through), .integer(Int64(limit))], on: connection, logger: logger)
                .map(StoredEvent.init(postgres:))
        }
    }

    /// One short transaction per step, through this node's writer (so it
    /// takes its turn with ingest).
    public func storeRedactions(_ redactions: [Redaction]) async throws(StoreError) {
        try await writing { session, connection in
            for redaction in redactions {
                try await run("""
                    UPDATE events SET data = $2::json WHERE position = $1 AND (data::jsonb ->> 'body') IS DISTINCT FROM '[redacted]'
                    """, [.integer(redaction.position), .text(redaction.data)], on: connection, logger: session.logger)
            }
        }
    }
}
