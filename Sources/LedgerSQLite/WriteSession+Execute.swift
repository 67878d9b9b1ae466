import GRDB
import LedgerCore
import LedgerStore

extension WriteSession {
    /// Handles a request (``CommandHandler``, in the core) against what the
    /// ledger holds now, inside the group commit's transaction, then appends
    /// its plan: each stream checked at the version it was decided on,
    /// chained, inserted and projected.
    func execute(_ request: LedgerRequest, _ db: Database) throws -> LedgerOutcome {
        let context = DecisionContext(now: now(), lateCompletionPolicy: options.lateCompletionPolicy,
                                      factPosition: head.position + 1, notificationsEnabled: options.notificationsEnabled,
                                      notifyEvents: options.notifyEvents)
        let plan: CommandPlan
        do {
            plan = try CommandHandler.handle(request, context: context, reader: SessionReader(session: self, db: db))
        } catch let error as DecisionError {
            if case .externalIDTaken(let provider, let externalID, let jobID) = error {
                throw StoreError.externalIDTaken(provider: provider, externalID: externalID, jobID: jobID)
            }
            throw StoreError.refused(error)
        }
        var outcome = LedgerOutcome(jobID: plan.jobID, factPosition: nil, appended: [], duplicate: plan.duplicate,
                                    orphan: plan.orphan)
        for append in plan.appends {
            let version = try currentVersion(of: append.stream, db)
            guard version == append.expectedVersion else {
                throw StoreError.wrongExpectedVersion(stream: append.stream, expected: "version \(append.expectedVersion)",
                                                      actual: version)
            }
            let recorded = try record(append.events, stream: append.stream, after: version, idempotencyKey: nil, db)
            outcome.factPosition = outcome.factPosition ?? recorded.first?.position
            outcome.appended += recorded.map { AppendedEvent(position: $0.position, stream: $0.stream, type: $0.event.type) }
        }
        precondition(outcome.appended.first.map { $0.position == context.factPosition } ?? true,
                     "the plan's positions are the ones appended")
        outcome.state = try plan.jobID.map { try jobState($0, db) }
        return outcome
    }

    /// A job stream's version from the cached state, any other stream's from the table.
    private func currentVersion(of stream: String, _ db: Database) throws -> Int64 {
        if let jobID = StreamName.jobID(of: stream) { return try jobState(jobID, db).version }
        return try streamVersion(stream, db)
    }
}

/// The ledger as the command handler reads it: the writer's cached job
/// states and the projection tables, inside the append's transaction.
struct SessionReader: LedgerReader {
    let session: WriteSession
    let db: Database

    func jobState(_ jobID: String) throws -> JobState { try session.jobState(jobID, db) }

    func jobID(provider: String, externalID: String) throws -> String? {
        let sql = "SELECT job_id FROM projection_jobs WHERE provider = ? AND external_id = ?"
        return try String.fetchOne(db.cachedStatement(sql: sql), arguments: [provider, externalID])
    }

    func waitingOrphans(provider: String, externalID: String) throws -> [RecordedEvent] {
        let sql = """
            SELECT e.position, e.stream, e.version, e.type, e.schema_version, e.recorded_at, e.data, e.data_sha256,
                   e.metadata, e.idempotency_key, e.prev_hash, e.hash
            FROM projection_orphans o JOIN events e ON e.position = o.position
            WHERE o.provider = ? AND o.external_id = ? AND o.adopted_job_id IS NULL ORDER BY o.position
            """
        return try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [provider, externalID]).map(session.decode)
    }

    func orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String) throws -> Bool {
        let sql = """
            SELECT 1 FROM projection_orphans
            WHERE provider = ? AND external_id = ? AND (delivery_id = ? OR body_sha256 = ?) LIMIT 1
            """
        return try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: [provider, externalID, deliveryID, bodySHA256]) ?? false
    }

    func streamVersion(_ stream: String) throws -> Int64 { try session.streamVersion(stream, db) }
}
