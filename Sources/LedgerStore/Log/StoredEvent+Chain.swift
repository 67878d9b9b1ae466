import LedgerCore

extension StoredEvent {
    /// The row `event` is stored as, chained after `previousHash`: the one
    /// encoding and hashing every engine uses.
    public init(chaining event: RecordedEvent, after previousHash: String, idempotencyKey: String?, codec: EventCodec) {
        let type = event.event.type
        let data = codec.encodeData(event.event)
        let metadata = codec.encodeMetadata(event.metadata)
        let recordedAt = event.recordedAt.iso8601
        let dataDigest = ChainHasher.digest(data)
        let hash = ChainHasher.hash(
            prevHash: previousHash, position: event.position, stream: event.stream, version: event.version,
            type: type.rawValue, schemaVersion: type.currentSchemaVersion, recordedAt: recordedAt,
            dataDigest: dataDigest, metadataDigest: ChainHasher.digest(metadata), idempotencyKey: idempotencyKey)
        self.init(position: event.position, stream: event.stream, version: event.version, type: type.rawValue,
                  schemaVersion: type.currentSchemaVersion, recordedAt: recordedAt, data: data, dataSHA256: dataDigest,
                  metadata: metadata, idempotencyKey: idempotencyKey, prevHash: previousHash, hash: hash)
    }

    /// The row's values in ``StoredEvent/columns`` order.
    public var rowValues: [SQLValue] {
        [.integer(position), .text(stream), .integer(version), .text(type), .integer(Int64(schemaVersion)),
         .text(recordedAt), .text(data), .text(dataSHA256), .text(metadata), SQLValue(idempotencyKey),
         .text(prevHash), .text(hash)]
    }

    /// The `events` columns, in the order of ``rowValues``.
    public static let columns = [
        "position", "stream", "version", "type", "schema_version", "recorded_at", "data", "data_sha256", "metadata",
        "idempotency_key", "prev_hash", "hash",
    ]
}
