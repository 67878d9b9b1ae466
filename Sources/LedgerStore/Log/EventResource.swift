import LedgerCore

/// An event as the API and `ledger replay --format json` show it:
/// `{position, stream, version, type, schema_version, recorded_at, data, metadata}`,
/// with `data` and `metadata` as JSON objects rather than text.
public struct EventResource: Sendable, Hashable, Encodable {
    public var position: Int64
    public var stream: String
    public var version: Int64
    public var type: String
    public var schemaVersion: Int
    public var recordedAt: String
    public var data: JSONValue
    public var metadata: JSONValue

    public init(_ stored: StoredEvent) {
        position = stored.position
        stream = stored.stream
        version = stored.version
        type = stored.type
        schemaVersion = stored.schemaVersion
        recordedAt = stored.recordedAt
        data = JSONValue(jsonText: stored.data) ?? .string(stored.data)
        metadata = JSONValue(jsonText: stored.metadata) ?? .string(stored.metadata)
    }

    enum CodingKeys: String, CodingKey {
        case position, stream, version, type, schemaVersion = "schema_version", recordedAt = "recorded_at"
        case data, metadata
    }
}
