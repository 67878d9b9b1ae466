import LedgerCore

/// A row of the `events` table, exactly as stored.
public struct StoredEvent: Sendable, Hashable, Codable {
    public var position: Int64
    public var stream: String
    public var version: Int64
    public var type: String
    public var schemaVersion: Int
    public var recordedAt: String
    public var data: String
    /// The hex SHA-256 of `data` as recorded; the chain hashes this, not `data`.
    public var dataSHA256: String
    public var metadata: String
    public var idempotencyKey: String?
    public var prevHash: String
    public var hash: String

    public init(position: Int64, stream: String, version: Int64, type: String, schemaVersion: Int,
                recordedAt: String, data: String, dataSHA256: String, metadata: String, idempotencyKey: String?,
                prevHash: String, hash: String) {
        self.position = position
        self.stream = stream
        self.version = version
        self.type = type
        self.schemaVersion = schemaVersion
        self.recordedAt = recordedAt
        self.data = data
        self.dataSHA256 = dataSHA256
        self.metadata = metadata
        self.idempotencyKey = idempotencyKey
        self.prevHash = prevHash
        self.hash = hash
    }

    /// The event decoded (and upcast) with today's code.
    public func decoded(with codec: EventCodec = EventCodec()) throws(EventDecodingError) -> RecordedEvent {
        let event = try codec.decode(type: type, schemaVersion: schemaVersion, data: data)
        let meta = try codec.decodeMetadata(metadata)
        guard let at = Timestamp(iso8601: recordedAt) else {
            throw .malformed(type: "recorded_at", detail: "\(recordedAt) is not a UTC time")
        }
        return RecordedEvent(position: position, stream: stream, version: version, event: event,
                             recordedAt: at, metadata: meta)
    }

    /// Only what the fold needs: the event and its time (metadata is left
    /// undecoded; replay and rebuild never read it).
    public func decodedForFold(with codec: EventCodec) throws(EventDecodingError) -> (event: LedgerEvent, at: Timestamp) {
        let event = try codec.decode(type: type, schemaVersion: schemaVersion, data: data)
        guard let at = Timestamp(iso8601: recordedAt) else {
            throw .malformed(type: "recorded_at", detail: "\(recordedAt) is not a UTC time")
        }
        return (event, at)
    }

    enum CodingKeys: String, CodingKey {
        case position, stream, version, type, schemaVersion = "schema_version", recordedAt = "recorded_at"
        case data, dataSHA256 = "data_sha256", metadata, idempotencyKey = "idempotency_key", prevHash = "prev_hash", hash
    }
}

/// The end of the chain: what a checkpoint or a new append extends.
public struct ChainHead: Sendable, Hashable, Codable {
    public var position: Int64
    public var hash: String

    public init(position: Int64, hash: String) {
        self.position = position
        self.hash = hash
    }

    public static let genesis = ChainHead(position: 0, hash: String(repeating: "0", count: 64))
}
