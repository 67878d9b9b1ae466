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

    /// One short statement per step, between this node's group commits (so
    /// it takes its turn with ingest). The writer's cached job states stay:
    /// no state holds a raw body.
    public func storeRedactions(_ redactions: [Redaction]) async throws(StoreError) {
        let logger = logger
        try await writer.exclusive(keepsCache: true) { [self] in
            try await reading { connection in
                try await run("""
                    WITH redacted AS (
                        UPDATE events SET data = r.data::json FROM unnest($1::bigint[], $2::text[]) AS r(position, data)
                        WHERE events.position = r.position AND (events.data::jsonb ->> 'body') IS DISTINCT FROM '[redacted]')
                    INSERT INTO retention_redactions (position, data_sha256)
                    SELECT * FROM unnest($1::bigint[], $3::text[]) ON CONFLICT DO NOTHING
                    """, [.integers(redactions.map(\.position)), .texts(redactions.map(\.data)),
                          .texts(redactions.map(\.dataSHA256))], on: connection, logger: logger)
            }
        }
    }
}
