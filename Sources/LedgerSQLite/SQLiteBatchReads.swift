import GRDB
import LedgerCore
import LedgerStore

/// A batch's reads (``ReadSet``) answered on one connection, in one snapshot,
/// through cached statements: an embedded database has no round trip to save,
/// so each kind is a loop of index probes.
struct SQLiteBatchReads {
    let db: Database

    func answer(_ reads: ReadSet) throws -> ReadAnswers {
        var answers = ReadAnswers()
        for jobID in reads.jobStreams { answers.jobStreams[jobID] = try stream(StreamName.job(jobID)) }
        for key in reads.owners {
            answers.owners[key] = try String.fetchOne(db.cachedStatement(sql: """
                SELECT job_id FROM projection_jobs WHERE provider = ? AND external_id = ?
                """), arguments: [key.provider, key.externalID])
        }
        for key in reads.waitingOrphans {
            answers.waitingOrphans[key] = try StoredEvent.fetchAll(db.cachedStatement(sql: """
                SELECT \(Self.eventColumns) FROM projection_orphans o JOIN events e ON e.position = o.position
                WHERE o.provider = ? AND o.external_id = ? AND o.adopted_job_id IS NULL ORDER BY o.position
                """), arguments: [key.provider, key.externalID])
        }
        for probe in reads.orphanProbes where try orphanRecorded(probe) { answers.recordedOrphans.insert(probe) }
        for stream in reads.streamVersions {
            answers.streamVersions[stream] = try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT max(version) FROM events WHERE stream = ?
                """), arguments: [stream])
        }
        for (key, count) in reads.idempotencyKeys {
            answers.idempotencyKeys[key] = try original(forKey: key, count: count)
        }
        return answers
    }

    private static let eventColumns = StoredEvent.columns.map { "e." + $0 }.joined(separator: ", ")

    private func stream(_ stream: String) throws -> [StoredEvent] {
        let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE stream = ? ORDER BY version"
        return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [stream])
    }

    private func orphanRecorded(_ probe: OrphanProbe) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM projection_orphans
            WHERE provider = ? AND external_id = ? AND (delivery_id = ? OR body_sha256 = ?) LIMIT 1
            """), arguments: [probe.key.provider, probe.key.externalID, probe.deliveryID, probe.bodySHA256]) ?? false
    }

    /// The events stored by the first append with `key`, from its position on, `count` of them.
    private func original(forKey key: String, count: Int) throws -> [StoredEvent]? {
        guard let position = try Int64.fetchOne(db.cachedStatement(sql: "SELECT position FROM events WHERE idempotency_key = ?"),
                                                arguments: [key]) else { return nil }
        let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE position BETWEEN ? AND ? ORDER BY position"
        return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [position, position + Int64(count) - 1])
    }
}
