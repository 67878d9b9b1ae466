import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension SQLiteEventStore {
    public func export(after position: Int64, to handle: FileHandle, batchCount: Int = 10_000) async throws(StoreError) -> Int64 {
        try await exportLines(after: position, to: handle, batchCount: batchCount)
    }

    /// Appends exported lines to this log in one transaction, after checking
    /// that they continue its chain and that every hash recomputes; then
    /// rebuilds the projections. A bad line rejects the whole import.
    public func importEvents(lines: [String]) async throws(StoreError) -> Int64 {
        let now = options.clock()
        return try await write { db in
            let last = try Row.fetchOne(db, sql: "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1")
            let head = last.map { ChainHead(position: $0["position"], hash: $0["hash"]) } ?? .genesis
            let sql = """
                INSERT INTO events (\(StoredEvent.selectColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            var count: Int64 = 0
            let events = try ImportCheck.events(lines, after: head, headRecordedAt: last?["recorded_at"], now: now)
            for (_, event) in events {
                try db.cachedStatement(sql: sql).execute(arguments: [
                    event.position, event.stream, event.version, event.type, event.schemaVersion, event.recordedAt,
                    event.data, event.dataSHA256, event.metadata, event.idempotencyKey, event.prevHash, event.hash,
                ])
                count += 1
            }
            _ = try Rebuilder(writer: .live).run(db, progress: { _ in })
            // A re-hashed file can chain perfectly and still pay a refund twice:
            // the invariants must hold too, or nothing is imported.
            let report = try Verifier().run(db, progress: { _ in })
            if let finding = report.findings.first { throw finding.importRejection(firstImportedPosition: head.position + 1) }
            return count
        }
    }
}
