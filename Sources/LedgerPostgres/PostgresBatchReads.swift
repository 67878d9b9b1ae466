import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// A batch's reads (``ReadSet``) on one connection: one statement per kind
/// for the whole batch, the keys bound as arrays.
struct PostgresBatchReads: ReadLoader, Sendable {
    let connection: PostgresConnection
    let logger: Logger

    func load(_ reads: ReadSet) async throws -> ReadAnswers {
        do {
            return try await answer(reads)
        } catch {
            throw StoreError.fromPostgres(error)
        }
    }

    func answer(_ reads: ReadSet) async throws -> ReadAnswers {
        var answers = ReadAnswers()
        if !reads.jobStreams.isEmpty { try await jobStreams(reads.jobStreams, into: &answers) }
        if !reads.owners.isEmpty { try await owners(reads.owners, into: &answers) }
        if !reads.waitingOrphans.isEmpty { try await waitingOrphans(reads.waitingOrphans, into: &answers) }
        if !reads.orphanProbes.isEmpty { try await orphanProbes(Array(reads.orphanProbes), into: &answers) }
        if !reads.streamVersions.isEmpty {
            for row in try await rows("SELECT stream, max(version) AS version FROM events WHERE stream = ANY($1) GROUP BY stream",
                                      [.texts(Array(reads.streamVersions))], on: connection, logger: logger) {
                if let stream = row.text("stream") { answers.streamVersions[stream] = row.integer("version") }
            }
        }
        if !reads.idempotencyKeys.isEmpty { try await idempotencyKeys(reads.idempotencyKeys, into: &answers) }
        return answers
    }

    private func jobStreams(_ jobIDs: Set<String>, into answers: inout ReadAnswers) async throws {
        let streams = jobIDs.map(StreamName.job)
        for jobID in jobIDs { answers.jobStreams[jobID] = [] }
        for row in try await rows("""
            SELECT \(StoredEvent.postgresSelectList) FROM events WHERE stream = ANY($1) ORDER BY stream, version
            """, [.texts(streams)], on: connection, logger: logger) {
            let event = StoredEvent(postgres: row)
            if let jobID = StreamName.jobID(of: event.stream) { answers.jobStreams[jobID, default: []].append(event) }
        }
    }

    private func owners(_ keys: Set<ExternalKey>, into answers: inout ReadAnswers) async throws {
        for row in try await rows("""
            SELECT j.provider, j.external_id, j.job_id FROM unnest($1::text[], $2::text[]) AS k(provider, external_id)
            JOIN projection_jobs j ON j.provider = k.provider AND j.external_id = k.external_id
            """, [.texts(keys.map(\.provider)), .texts(keys.map(\.externalID))], on: connection, logger: logger) {
            if let provider = row.text("provider"), let externalID = row.text("external_id"), let jobID = row.text("job_id") {
                answers.owners[ExternalKey(provider: provider, externalID: externalID)] = jobID
            }
        }
    }

    private func waitingOrphans(_ keys: Set<ExternalKey>, into answers: inout ReadAnswers) async throws {
        for key in keys { answers.waitingOrphans[key] = [] }
        for row in try await rows("""
            SELECT o.provider AS orphan_provider, o.external_id AS orphan_external_id,
                   \(selectList(StoredEvent.columns, json: ["data", "metadata"], table: "e"))
            FROM unnest($1::text[], $2::text[]) AS k(provider, external_id)
            JOIN projection_orphans o ON o.provider = k.provider AND o.external_id = k.external_id
            JOIN events e ON e.position = o.position
            WHERE o.adopted_job_id IS NULL ORDER BY o.position
            """, [.texts(keys.map(\.provider)), .texts(keys.map(\.externalID))], on: connection, logger: logger) {
            guard let provider = row.text("orphan_provider"), let externalID = row.text("orphan_external_id") else { continue }
            answers.waitingOrphans[ExternalKey(provider: provider, externalID: externalID), default: []]
                .append(StoredEvent(postgres: row))
        }
    }

    private func orphanProbes(_ probes: [OrphanProbe], into answers: inout ReadAnswers) async throws {
        for row in try await rows("""
            SELECT k.i FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS k(p, x, d, b, i)
            WHERE EXISTS (SELECT 1 FROM projection_orphans o
                          WHERE o.provider = k.p AND o.external_id = k.x AND (o.delivery_id = k.d OR o.body_sha256 = k.b))
            """, [.texts(probes.map(\.key.provider)), .texts(probes.map(\.key.externalID)), .texts(probes.map(\.deliveryID)),
                  .texts(probes.map(\.bodySHA256))], on: connection, logger: logger) {
            if let index = row.integer("i"), (1...probes.count).contains(Int(index)) {
                answers.recordedOrphans.insert(probes[Int(index) - 1])
            }
        }
    }

    /// For each key that was used, the events its append stored, from its first position on.
    private func idempotencyKeys(_ keys: [String: Int], into answers: inout ReadAnswers) async throws {
        let ordered = Array(keys)
        for row in try await rows("""
            SELECT k.key AS asked_key, \(selectList(StoredEvent.columns, json: ["data", "metadata"], table: "e"))
            FROM unnest($1::text[], $2::bigint[]) AS k(key, n)
            JOIN events f ON f.idempotency_key = k.key
            JOIN events e ON e.position BETWEEN f.position AND f.position + k.n - 1
            ORDER BY k.key, e.position
            """, [.texts(ordered.map(\.key)), .integers(ordered.map { Int64($0.value) })], on: connection, logger: logger) {
            if let key = row.text("asked_key") { answers.idempotencyKeys[key, default: []].append(StoredEvent(postgres: row)) }
        }
    }
}
