/// An event as the log holds it: decoded, with its place and time.
public struct RecordedEvent: Sendable, Hashable {
    /// Global position: strictly increasing from 1, no gaps.
    public let position: Int64
    public let stream: String
    /// Version within the stream: 1, 2, 3...
    public let version: Int64
    public let event: LedgerEvent
    public let recordedAt: Timestamp
    public let metadata: EventMetadata

    public init(position: Int64, stream: String, version: Int64, event: LedgerEvent,
                recordedAt: Timestamp, metadata: EventMetadata) {
        self.position = position
        self.stream = stream
        self.version = version
        self.event = event
        self.recordedAt = recordedAt
        self.metadata = metadata
    }
}

/// Stream names. A job's events live in `job-<job_id>`; webhooks naming no
/// known job wait in `orphans-<provider>`.
public enum StreamName {
    public static func job(_ jobID: String) -> String { "job-" + jobID }
    public static func orphans(_ provider: String) -> String { "orphans-" + provider }

    /// The job id of a job stream, or `nil` for any other stream.
    public static func jobID(of stream: String) -> String? {
        stream.hasPrefix("job-") ? String(stream.dropFirst(4)) : nil
    }

    /// The provider of an orphan stream, or `nil` for any other stream.
    public static func orphanProvider(of stream: String) -> String? {
        stream.hasPrefix("orphans-") ? String(stream.dropFirst(8)) : nil
    }
}
