import GRDB
import LedgerCore

extension WriteSession {
    /// A webhook naming no known job: kept in `orphans-<provider>` until the
    /// app reports the external id. A repeat of a waiting orphan (same delivery
    /// or same body for the same external id) is marked duplicate.
    func recordOrphan(_ webhook: WebhookReceived, metadata: EventMetadata, _ db: Database) throws -> LedgerOutcome {
        let sql = """
            SELECT 1 FROM projection_orphans
            WHERE provider = ? AND external_id = ? AND (delivery_id = ? OR body_sha256 = ?) LIMIT 1
            """
        var fact = webhook
        fact.adoptedFrom = nil
        fact.duplicate = try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: [
            webhook.provider, webhook.externalID, webhook.deliveryID, webhook.bodySHA256,
        ]) ?? false
        let stream = StreamName.orphans(webhook.provider)
        let version = try streamVersion(stream, db)
        let recorded = try record([NewEvent(.webhookReceived(fact), metadata: metadata)], stream: stream,
                                  after: version, idempotencyKey: nil, db)
        return LedgerOutcome(jobID: nil, factPosition: recorded[0].position,
                             appended: recorded.map { AppendedEvent(position: $0.position, stream: stream, type: .webhookReceived) },
                             duplicate: fact.duplicate, orphan: true, state: nil)
    }

    /// Moves the waiting orphans of `externalID` into the job's stream, in
    /// arrival order, each with the decisions it causes now.
    func adoptOrphans(provider: String, externalID: String, jobID: String, _ db: Database) throws -> [AppendedEvent] {
        let sql = """
            SELECT e.position, e.stream, e.version, e.type, e.schema_version, e.recorded_at, e.data, e.data_sha256,
                   e.metadata, e.idempotency_key, e.prev_hash, e.hash
            FROM projection_orphans o JOIN events e ON e.position = o.position
            WHERE o.provider = ? AND o.external_id = ? AND o.adopted_job_id IS NULL ORDER BY o.position
            """
        let waiting = try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [provider, externalID])
        var appended: [AppendedEvent] = []
        for stored in waiting {
            let orphan = try decode(stored)
            guard case .webhookReceived(var webhook) = orphan.event else { continue }
            webhook.adoptedFrom = stored.position
            webhook.duplicate = false
            let metadata = EventMetadata(actor: orphan.metadata.actor, source: "adoption",
                                         correlationID: orphan.metadata.correlationID, causationPosition: stored.position)
            let outcome = try execute(.job(jobID: jobID, command: .webhook(webhook), metadata: metadata), db)
            appended += outcome.appended
        }
        return appended
    }
}
