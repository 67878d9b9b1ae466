import Foundation

/// Turns events into their stored form (`type`, `schema_version`, `data`) and
/// back, upcasting older schema versions on the way in.
///
/// Encoding sorts keys, so the same event always produces the same bytes.
public struct EventCodec: Sendable {
    public let upcaster: Upcaster

    public init(upcaster: Upcaster = .standard) {
        self.upcaster = upcaster
    }

    /// The `data` column for `event`, as UTF-8 JSON text.
    public func encodeData(_ event: LedgerEvent) -> String {
        event.jsonText
    }

    /// The `metadata` column.
    public func encodeMetadata(_ metadata: EventMetadata) -> String {
        metadata.jsonText
    }

    /// The same encoding through Foundation's `JSONEncoder` and the payloads'
    /// Codable conformances: the oracle tests hold the fast path to.
    public func encodeWithFoundation(_ event: LedgerEvent) -> String {
        encodeJSON(payload(of: event))
    }

    /// The metadata through Foundation's `JSONEncoder` (the oracle).
    public func encodeMetadataWithFoundation(_ metadata: EventMetadata) -> String {
        encodeJSON(metadata)
    }

    /// The event stored as `type` at `schemaVersion` with `data`.
    public func decode(type: String, schemaVersion: Int, data: String) throws(EventDecodingError) -> LedgerEvent {
        guard let eventType = EventType(rawValue: type) else { throw .unknownType(type) }
        let current = upcaster.currentVersion(of: eventType)
        guard schemaVersion >= 1, schemaVersion <= current else {
            throw .unsupportedVersion(type: type, version: schemaVersion)
        }
        var text = data
        if schemaVersion < current, !upcaster.readsAsCurrent(eventType, from: schemaVersion) {
            let upcast = try upcaster.upcast(type: eventType, from: schemaVersion, to: current, data: Data(data.utf8))
            text = String(decoding: upcast, as: UTF8.self)
        }
        return try LedgerEvent(type: eventType, json: text)
    }

    /// The same, reading `data` straight from a buffer (SQLite's, on the
    /// replay and rebuild paths) without first copying it into a String.
    ///
    /// With `foldOnly` (a rebuild's job streams, verify) the fields no fold
    /// reads, a webhook's `body`, `body_sha256`, `delivery_id`, `provider` and
    /// `external_id`, are validated but left empty.
    public func decode(type eventType: EventType, schemaVersion: Int, utf8 data: UnsafeBufferPointer<UInt8>,
                       foldOnly: Bool = false) throws(EventDecodingError) -> LedgerEvent {
        guard schemaVersion == upcaster.currentVersion(of: eventType)
              || (schemaVersion >= 1 && upcaster.readsAsCurrent(eventType, from: schemaVersion)) else {
            return try decode(type: eventType.rawValue, schemaVersion: schemaVersion,
                              data: String(decoding: data, as: UTF8.self))
        }
        return try LedgerEvent(type: eventType, utf8: data, foldOnly: foldOnly)
    }

    public func decodeMetadata(_ text: String) throws(EventDecodingError) -> EventMetadata {
        try EventMetadata(json: text)
    }

    /// The same decoding through Foundation's `JSONDecoder` and the payloads'
    /// Codable conformances: the oracle tests hold the fast path to.
    public func decodeWithFoundation(type: EventType, data: String) throws -> LedgerEvent {
        try Self.decodePayload(type, from: Data(data.utf8))
    }

    private func payload(of event: LedgerEvent) -> any Encodable {
        switch event {
        case .jobRegistered(let payload): payload
        case .jobSubmitted(let payload): payload
        case .webhookReceived(let payload): payload
        case .pollResult(let payload): payload
        case .watchdogDecision(let payload): payload
        case .jobCompleted(let payload): payload
        case .jobFailed(let payload): payload
        case .jobCancelled(let payload): payload
        case .creditRefunded(let payload): payload
        case .jobLateCompletion(let payload): payload
        case .creditRecharged(let payload): payload
        case .notificationQueued(let payload), .notificationAttempted(let payload),
             .notificationDelivered(let payload), .notificationDeadLettered(let payload): payload
        case .operatorAction(let payload): payload
        case .retentionApplied(let payload): payload
        }
    }

    private static func decodePayload(_ type: EventType, from bytes: Data) throws -> LedgerEvent {
        let decoder = JSONDecoder()
        switch type {
        case .jobRegistered: return .jobRegistered(try decoder.decode(JobRegistered.self, from: bytes))
        case .jobSubmitted: return .jobSubmitted(try decoder.decode(JobSubmitted.self, from: bytes))
        case .webhookReceived: return .webhookReceived(try decoder.decode(WebhookReceived.self, from: bytes))
        case .pollResult: return .pollResult(try decoder.decode(PollResult.self, from: bytes))
        case .watchdogDecision: return .watchdogDecision(try decoder.decode(WatchdogDecision.self, from: bytes))
        case .jobCompleted: return .jobCompleted(try decoder.decode(JobCompleted.self, from: bytes))
        case .jobFailed: return .jobFailed(try decoder.decode(JobFailed.self, from: bytes))
        case .jobCancelled: return .jobCancelled(try decoder.decode(JobCancelled.self, from: bytes))
        case .creditRefunded: return .creditRefunded(try decoder.decode(CreditRefunded.self, from: bytes))
        case .jobLateCompletion: return .jobLateCompletion(try decoder.decode(JobLateCompletion.self, from: bytes))
        case .creditRecharged: return .creditRecharged(try decoder.decode(CreditRecharged.self, from: bytes))
        case .notificationQueued: return .notificationQueued(try decoder.decode(NotificationStep.self, from: bytes))
        case .notificationAttempted: return .notificationAttempted(try decoder.decode(NotificationStep.self, from: bytes))
        case .notificationDelivered: return .notificationDelivered(try decoder.decode(NotificationStep.self, from: bytes))
        case .notificationDeadLettered:
            return .notificationDeadLettered(try decoder.decode(NotificationStep.self, from: bytes))
        case .operatorAction: return .operatorAction(try decoder.decode(OperatorAction.self, from: bytes))
        case .retentionApplied: return .retentionApplied(try decoder.decode(RetentionApplied.self, from: bytes))
        }
    }
}

/// Sorted keys and unescaped slashes: deterministic, and URLs stay readable in `sqlite3`.
func encodeJSON(_ value: any Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    } catch {
        preconditionFailure("ledger payloads are plain JSON and always encode: \(error)")
    }
}

/// Why a stored event could not be read.
public enum EventDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownType(String)
    case unsupportedVersion(type: String, version: Int)
    case malformed(type: String, detail: String)
    case upcastFailed(type: String, fromVersion: Int, detail: String)

    public var description: String {
        switch self {
        case .unknownType(let type):
            "unknown event type \(type): this build does not know it; upgrade the ledger"
        case .unsupportedVersion(let type, let version):
            "\(type) schema_version \(version) is newer than this build understands; upgrade the ledger"
        case .malformed(let type, let detail):
            "\(type) data does not match its schema: \(detail)"
        case .upcastFailed(let type, let version, let detail):
            "cannot upcast \(type) from schema_version \(version): \(detail)"
        }
    }
}
