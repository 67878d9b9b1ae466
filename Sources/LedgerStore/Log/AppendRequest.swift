import LedgerCore

/// The stream version an append expects to find (optimistic concurrency).
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// Append whatever the stream's version is.
    case any
    /// The stream must not exist yet.
    case noStream
    /// The stream's last event must have exactly this version.
    case exactly(Int64)

    public func admits(_ actual: Int64) -> Bool {
        switch self {
        case .any: true
        case .noStream: actual == 0
        case .exactly(let version): actual == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .exactly(let version): "version \(version)"
        }
    }
}

/// Events for one stream, appended together or not at all.
///
/// ```swift
/// let result = try await store.append(AppendRequest(
///     stream: "job-42", expected: .noStream,
///     events: [NewEvent(.jobRegistered(registration), metadata: .init(actor: "app"))],
///     idempotencyKey: "register-42"))
/// ```
public struct AppendRequest: Sendable, Hashable {
    public var stream: String
    public var expected: ExpectedVersion
    public var events: [NewEvent]
    /// A repeated key appends nothing and returns the original positions.
    public var idempotencyKey: String?

    public init(stream: String, expected: ExpectedVersion = .any, events: [NewEvent], idempotencyKey: String? = nil) {
        self.stream = stream
        self.expected = expected
        self.events = events
        self.idempotencyKey = idempotencyKey
    }
}

/// Where an append landed.
public struct AppendResult: Sendable, Hashable {
    public var firstPosition: Int64
    public var lastPosition: Int64
    /// The stream's version after the append.
    public var streamVersion: Int64
    /// True when the idempotency key was seen before and nothing was appended.
    public var alreadyExisted: Bool

    public init(firstPosition: Int64, lastPosition: Int64, streamVersion: Int64, alreadyExisted: Bool) {
        self.firstPosition = firstPosition
        self.lastPosition = lastPosition
        self.streamVersion = streamVersion
        self.alreadyExisted = alreadyExisted
    }
}
