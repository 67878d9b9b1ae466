import LedgerCore

/// A stored event's place, for services that find work in the log.
public struct EventLocation: Sendable, Hashable {
    public var position: Int64
    public var stream: String
    public var type: String
    public var recordedAt: Timestamp

    public init(position: Int64, stream: String, type: String, recordedAt: Timestamp) {
        self.position = position
        self.stream = stream
        self.type = type
        self.recordedAt = recordedAt
    }
}
