import LedgerCore
import LedgerStore
import PostgresNIO

extension PostgresWriteSession {
    /// Handles a request (``CommandHandler``, in the core) against what the
    /// ledger holds now, then appends its plan. Every refusal is decided
    /// before the first write: a failed statement would abort the whole
    /// batch's transaction on PostgreSQL.
    func execute(_ request: LedgerRequest, _ connection: PostgresConnection) async throws -> LedgerOutcome {
        let context = DecisionContext(now: now(), lateCompletionPolicy: options.lateCompletionPolicy,
                                      factPosition: head.position + 1, notificationsEnabled: options.notificationsEnabled,
                                      notifyEvents: options.notifyEvents)
        let plan: CommandPlan
        do {
            plan = try await handleLoading(request, context: context) { lookup in try await self.answer(lookup, connection) }
        } catch let error as DecisionError {
            if case .externalIDTaken(let provider, let externalID, let jobID) = error {
                throw StoreError.externalIDTaken(provider: provider, externalID: externalID, jobID: jobID)
            }
            throw StoreError.refused(error)
        }
        for new in plan.appends.flatMap(\.events) {
            do { try new.event.validateForStorage() } catch { throw StoreError.refused(error) }
        }
        var versions: [String: Int64] = [:]
        for append in plan.appends {
            let version: Int64
            if let planned = versions[append.stream] { version = planned } else { version = try await streamVersion(append.stream, connection) }
            guard version == append.expectedVersion else {
                throw StoreError.wrongExpectedVersion(stream: append.stream, expected: "version \(append.expectedVersion)",
                                                      actual: version)
            }
            versions[append.stream] = version + Int64(append.events.count)
        }
        var outcome = LedgerOutcome(jobID: plan.jobID, factPosition: nil, appended: [], duplicate: plan.duplicate,
                                    orphan: plan.orphan)
        for append in plan.appends {
            let recorded = try await record(append.events, stream: append.stream, after: append.expectedVersion,
                                            idempotencyKey: nil, connection)
            outcome.factPosition = outcome.factPosition ?? recorded.first?.position
            outcome.appended += recorded.map { AppendedEvent(position: $0.position, stream: $0.stream, type: $0.event.type) }
        }
        if let jobID = plan.jobID { outcome.state = try await jobState(jobID, connection) }
        return outcome
    }

    /// What the command handler asked, read inside the batch's transaction.
    private func answer(_ lookup: Lookup, _ connection: PostgresConnection) async throws -> LookupAnswer {
        switch lookup {
        case .jobState(let jobID):
            return .jobState(try await jobState(jobID, connection))
        case .jobID(let provider, let externalID):
            let found = try await rows("SELECT job_id FROM projection_jobs WHERE provider = $1 AND external_id = $2",
                                       [.text(provider), .text(externalID)], on: connection, logger: logger)
            return .jobID(found.first?.text("job_id"))
        case .waitingOrphans(let provider, let externalID):
            let found = try await rows("""
                SELECT \(selectList(StoredEvent.columns, json: ["data", "metadata"], table: "e")) FROM projection_orphans o JOIN events e ON e.position = o.position
                WHERE o.provider = $1 AND o.external_id = $2 AND o.adopted_job_id IS NULL ORDER BY o.position
                """, [.text(provider), .text(externalID)], on: connection, logger: logger)
            return .orphans(try found.map { row in
                let stored = StoredEvent(postgres: row)
                do { return try stored.decoded(with: codec) } catch {
                    throw StoreError.corrupt("event at position \(stored.position): \(error)")
                }
            })
        case .orphanRecorded(let provider, let externalID, let deliveryID, let bodySHA256):
            let found = try await rows("""
                SELECT 1 AS found FROM projection_orphans
                WHERE provider = $1 AND external_id = $2 AND (delivery_id = $3 OR body_sha256 = $4) LIMIT 1
                """, [.text(provider), .text(externalID), .text(deliveryID), .text(bodySHA256)], on: connection, logger: logger)
            return .flag(!found.isEmpty)
        case .streamVersion(let stream):
            return .version(try await streamVersion(stream, connection))
        }
    }

    /// A plain append with an expected version and an optional idempotency key.
    func append(_ request: AppendRequest, _ connection: PostgresConnection) async throws -> AppendResult {
        guard !request.events.isEmpty else { throw StoreError.invalidRequest("an append needs at least one event") }
        guard (1...300).contains(request.stream.utf8.count), request.stream.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StoreError.invalidRequest("stream names are 1 to 300 bytes of printable ASCII without spaces")
        }
        if let key = request.idempotencyKey, let original = try await original(forKey: key, request, connection) {
            return original
        }
        let version = try await streamVersion(request.stream, connection)
        guard request.expected.admits(version) else {
            throw StoreError.wrongExpectedVersion(stream: request.stream, expected: request.expected.description, actual: version)
        }
        let recorded = try await record(request.events, stream: request.stream, after: version,
                                        idempotencyKey: request.idempotencyKey, connection)
        return AppendResult(firstPosition: recorded[0].position, lastPosition: recorded[recorded.count - 1].position,
                            streamVersion: version + Int64(recorded.count), alreadyExisted: false)
    }

    /// The result of the first append with `key`, if the key was used: the same
    /// append again is `exists`; a different one is an error naming the original.
    private func original(forKey key: String, _ request: AppendRequest, _ connection: PostgresConnection) async throws -> AppendResult? {
        let first = try await rows("SELECT position FROM events WHERE idempotency_key = $1", [.text(key)],
                                   on: connection, logger: logger)
        guard let position = first.first?.integer("position") else { return nil }
        let count = Int64(request.events.count)
        let stored = try await rows("""
            SELECT \(StoredEvent.postgresSelectList) FROM events WHERE position BETWEEN $1 AND $2 ORDER BY position
            """, [.integer(position), .integer(position + count - 1)], on: connection, logger: logger).map(StoredEvent.init(postgres:))
        let same = stored.count == request.events.count
            && zip(stored, request.events).allSatisfy { row, new in
                row.stream == request.stream && row.type == new.event.type.rawValue && row.data == codec.encodeData(new.event)
            }
        guard same else { throw StoreError.idempotencyKeyReused(key: key, originalPosition: position) }
        return AppendResult(firstPosition: position, lastPosition: position + count - 1,
                            streamVersion: stored[stored.count - 1].version, alreadyExisted: true)
    }
}
