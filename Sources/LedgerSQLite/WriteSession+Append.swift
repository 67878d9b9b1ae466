import GRDB
import LedgerCore
import LedgerStore

extension WriteSession {
    /// A plain append with an expected version and an optional idempotency key.
    func append(_ request: AppendRequest, _ db: Database) throws -> AppendResult {
        guard !request.events.isEmpty else { throw StoreError.invalidRequest("an append needs at least one event") }
        guard (1...300).contains(request.stream.utf8.count), request.stream.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw StoreError.invalidRequest("stream names are 1 to 300 bytes of printable ASCII without spaces")
        }
        if let key = request.idempotencyKey, let original = try original(forKey: key, request, db) {
            return original
        }
        let version = try streamVersion(request.stream, db)
        guard request.expected.admits(version) else {
            throw StoreError.wrongExpectedVersion(stream: request.stream, expected: request.expected.description,
                                                  actual: version)
        }
        let recorded = try record(request.events, stream: request.stream, after: version,
                                  idempotencyKey: request.idempotencyKey, db)
        return AppendResult(firstPosition: recorded[0].position, lastPosition: recorded[recorded.count - 1].position,
                            streamVersion: version + Int64(recorded.count), alreadyExisted: false)
    }

    /// The result of the first append with `key`, if the key was used: the same
    /// append again is `exists`; a different one is an error naming the original.
    private func original(forKey key: String, _ request: AppendRequest, _ db: Database) throws -> AppendResult? {
        let sql = "SELECT \(StoredEvent.selectColumns) FROM events WHERE idempotency_key = ?"
        guard let first = try StoredEvent.fetchAll(db.cachedStatement(sql: sql), arguments: [key]).first else {
            return nil
        }
        let count = Int64(request.events.count)
        let rangeSQL = "SELECT \(StoredEvent.selectColumns) FROM events WHERE position BETWEEN ? AND ? ORDER BY position"
        let stored = try StoredEvent.fetchAll(db.cachedStatement(sql: rangeSQL),
                                              arguments: [first.position, first.position + count - 1])
        let same = stored.count == request.events.count
            && zip(stored, request.events).allSatisfy { row, new in
                row.stream == request.stream && row.type == new.event.type.rawValue
                    && row.data == codec.encodeData(new.event)
            }
        guard same else { throw StoreError.idempotencyKeyReused(key: key, originalPosition: first.position) }
        return AppendResult(firstPosition: first.position, lastPosition: first.position + count - 1,
                            streamVersion: stored[stored.count - 1].version, alreadyExisted: true)
    }
}
