import Foundation
import LedgerCore
import Logging
import Synchronization

/// Structured logs: one JSON object per line (`time`, `level`, `label`,
/// `message`, then the metadata: `request_id`, `provider`, `job_id`,
/// `position`, ...). What is logged is chosen at the call sites, which never
/// pass bodies, query strings, keys or secrets.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// Lines go to `sink`; by default to standard error, one `write` each, so
    /// lines from concurrent requests never interleave.
    public init(label: String, level: Logger.Level = .info,
                sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var members: [String: JSONValue] = [
            "time": .string(Timestamp(Date()).iso8601), "level": .string(event.level.rawValue),
            "label": .string(label), "message": .string(event.message.description),
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            // Hummingbird's request id arrives as hb.request.id; one name for it everywhere.
            members[key == "hb.request.id" ? "request_id" : key] = Self.json(value)
        }
        sink(JSONValue.object(members).jsonText + "\n")
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible):
            if let number = convertible as? any BinaryInteger, let whole = Int64(exactly: number) { .int(whole) }
            else if let flag = convertible as? Bool { .bool(flag) }
            else { .string(convertible.description) }
        case .array(let items): .array(items.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }

    private static let errorOutput = Mutex(())

    @Sendable public static func standardError(_ line: String) {
        errorOutput.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }
}
