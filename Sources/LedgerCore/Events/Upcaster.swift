import Foundation

/// Reads old events with today's code: one small pure step per version pair,
/// applied to the raw JSON object before decoding. Stored rows are never
/// rewritten (they are hash-chained and immutable).
public struct Upcaster: Sendable {
    /// One step: turns the JSON object of `type` at `fromVersion` into `fromVersion + 1`.
    public struct Step: Sendable {
        public let type: EventType
        public let fromVersion: Int
        /// `nil` for an additive step: the newer version only added optional
        /// fields, so the old data reads as the new one, byte for byte.
        public let transform: (@Sendable ([String: Any]) throws -> [String: Any])?

        public init(type: EventType, fromVersion: Int,
                    transform: @escaping @Sendable ([String: Any]) throws -> [String: Any]) {
            self.type = type
            self.fromVersion = fromVersion
            self.transform = transform
        }

        private init(additive type: EventType, fromVersion: Int) {
            self.type = type
            self.fromVersion = fromVersion
            transform = nil
        }

        /// A step to a version that only added optional fields: nothing to rewrite.
        public static func additive(_ type: EventType, fromVersion: Int) -> Step {
            Step(additive: type, fromVersion: fromVersion)
        }
    }

    private let steps: [String: Step]
    /// Only types whose steps lead past today's schema version (a test's
    /// synthetic newer version); empty in production, so the question every
    /// decoded event asks costs no hashing of its type's name.
    private let versionsPastCurrent: [EventType: Int]

    public init(steps: [Step]) {
        var byKey: [String: Step] = [:]
        for step in steps {
            let key = Self.key(step.type, step.fromVersion)
            precondition(byKey[key] == nil, "two upcasting steps for \(key)")
            byKey[key] = step
        }
        self.steps = byKey
        var latest: [EventType: Int] = [:]
        for step in steps { latest[step.type] = max(latest[step.type] ?? 1, step.fromVersion + 1) }
        self.versionsPastCurrent = latest.filter { type, version in version > type.currentSchemaVersion }
    }

    /// The version events of `type` are upcast to: today's schema version, or
    /// higher when steps lead further (a test declaring a synthetic newer version).
    public func currentVersion(of type: EventType) -> Int {
        if versionsPastCurrent.isEmpty { return type.currentSchemaVersion }
        return max(type.currentSchemaVersion, versionsPastCurrent[type] ?? 1)
    }

    /// Today's steps: `webhook.received` 1 → 2 added the optional `matched_by`,
    /// `notification.attempted` 1 → 2 the optional `latency_ms`.
    public static let standard = Upcaster(steps: [.additive(.webhookReceived, fromVersion: 1),
                                                  .additive(.notificationAttempted, fromVersion: 1)])

    /// True when data stored at `version` reads as today's version unchanged
    /// (every step since is additive), so readers can skip the upcast.
    public func readsAsCurrent(_ type: EventType, from version: Int) -> Bool {
        let current = currentVersion(of: type)
        guard version >= 1, version <= current else { return false }
        return (version..<current).allSatisfy { steps[Self.key(type, $0)].map { $0.transform == nil } ?? false }
    }

    func upcast(type: EventType, from version: Int, to target: Int, data: Data) throws(EventDecodingError) -> Data {
        var object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw EventDecodingError.upcastFailed(type: type.rawValue, fromVersion: version, detail: "data is not an object")
            }
            object = parsed
            for step in version..<target {
                guard let upcast = steps[Self.key(type, step)] else {
                    throw EventDecodingError.upcastFailed(type: type.rawValue, fromVersion: step, detail: "no upcasting step")
                }
                if let transform = upcast.transform { object = try transform(object) }
            }
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw .upcastFailed(type: type.rawValue, fromVersion: version, detail: String(describing: error))
        }
    }

    private static func key(_ type: EventType, _ version: Int) -> String { "\(type.rawValue)@\(version)" }
}
