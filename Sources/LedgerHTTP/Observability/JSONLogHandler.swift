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

    /// Every webhook logs a line at `info`: this runs once per request, so
    /// it builds no merged copy of the metadata and casts to concrete types
    /// first (a cast to `any BinaryInteger` looks up a conformance each time).
    public func log(event: LogEvent) {
        var members: [String: JSONValue] = [
            "time": .string(Timestamp(Date()).iso8601), "level": .string(event.level.rawValue),
            "label": .string(label), "message": .string(event.message.description),
        ]
        members.reserveCapacity(members.count + metadata.count + (event.metadata?.count ?? 0))
        func add(_ source: Logger.Metadata) {
            for (key, value) in source {
                // Hummingbird's request id arrives as hb.request.id; one name for it everywhere.
                members[key == "hb.request.id" ? "request_id" : key] = Self.json(value)
            }
        }
        add(metadata)
        // The event's own metadata comes last: it wins over the handler's.
        add(event.metadata ?? [:])
        var line = JSONValue.object(members).jsonText
        line.append("\n")
        sink(line)
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible):
            if let whole = convertible as? Int64 { .int(whole) }
            else if let whole = convertible as? Int { .int(Int64(whole)) }
            else if let flag = convertible as? Bool { .bool(flag) }
            else if let number = convertible as? any BinaryInteger, let whole = Int64(exactly: number) { .int(whole) }
            else { .string(convertible.description) }
        case .array(let items): .array(items.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }

    private static let errorOutput = Mutex(())

    /// One `write` per line (more only if the kernel takes part of it),
    /// under a lock so that lines never interleave.
    @Sendable public static func standardError(_ line: String) {
        var line = line
        errorOutput.withLock { _ in
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 { offset += written } else if written < 0, errno == EINTR { continue } else { return }
                }
            }
        }
    }
}
