import Foundation
import LedgerCore
import Testing

@Suite struct CodecTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Schemas/events").standardized

    @Test(arguments: EventType.allCases)
    func everyGoldenExampleDecodesWithTodaysCode(_ type: EventType) throws {
        let file = Self.schemas.appendingPathComponent("\(type.rawValue).v\(type.currentSchemaVersion).example.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let codec = EventCodec()
        let event = try codec.decode(type: type.rawValue, schemaVersion: type.currentSchemaVersion, data: text)
        #expect(event.type == type)
        // Re-encoding and decoding again gives the same event: nothing is lost on the way.
        #expect(try codec.decode(type: type.rawValue, schemaVersion: 1, data: codec.encodeData(event)) == event)
    }

    @Test(arguments: EventType.allCases)
    func everyTypeHasASchemaBesideItsExample(_ type: EventType) {
        let file = Self.schemas.appendingPathComponent("\(type.rawValue).v1.schema.json")
        #expect(FileManager.default.fileExists(atPath: file.path))
    }

    @Test func anOlderVersionIsUpcastBeforeDecoding() throws {
        // A synthetic history: pretend job.submitted is at version 2 today and
        // version 1 called the field `provider_job_id`.
        let rename = Upcaster.Step(type: .jobSubmitted, fromVersion: 1) { object in
            var upcast = object
            upcast["external_id"] = upcast.removeValue(forKey: "provider_job_id")
            return upcast
        }
        let codec = EventCodec(upcaster: Upcaster(steps: [rename]))
        let old = try codec.decode(type: "job.submitted", schemaVersion: 1, data: #"{"provider_job_id":"abc"}"#)
        #expect(old == .jobSubmitted(JobSubmitted(externalID: "abc")))
        let current = try codec.decode(type: "job.submitted", schemaVersion: 2, data: #"{"external_id":"abc"}"#)
        #expect(current == old)
    }

    @Test func unknownTypesAndFutureVersionsAreRefusedWithAReason() {
        let codec = EventCodec()
        #expect(throws: EventDecodingError.unknownType("job.teleported")) {
            try codec.decode(type: "job.teleported", schemaVersion: 1, data: "{}")
        }
        #expect(throws: EventDecodingError.unsupportedVersion(type: "job.submitted", version: 9)) {
            try codec.decode(type: "job.submitted", schemaVersion: 9, data: "{}")
        }
        #expect(throws: EventDecodingError.self) {
            try codec.decode(type: "job.submitted", schemaVersion: 1, data: #"{"external_id": 5}"#)
        }
    }

    @Test func encodingIsDeterministic() {
        let event = LedgerEvent.jobRegistered(JobRegistered(
            jobID: "j", account: "a", provider: "p", operation: "o", cost: 1,
            metadata: .object(["z": .int(1), "a": .array([.string("https://x/y"), .null])])))
        let codec = EventCodec()
        #expect(codec.encodeData(event) == codec.encodeData(event))
        #expect(codec.encodeData(event).contains(#""a":["https://x/y",null]"#))
    }

    @Test(arguments: ["2026-11-23T04:47:03.123Z", "1970-01-01T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "1969-12-31T23:59:59.999Z"])
    func timestampsRoundTrip(_ text: String) throws {
        let parsed = try #require(Timestamp(iso8601: text))
        #expect(parsed.iso8601 == text)
        #expect(Timestamp(parsed.date) == parsed)
    }

    @Test(arguments: ["", "2026-13-01T00:00:00Z", "2026-11-23T25:00:00Z", "yesterday", "2026-11-23T04:47:03.123", "2026-11-23T04:47:03.1234567890123Z",
                        "2026-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "1900-02-29T00:00:00Z", "2026-02-30"])
    func malformedTimestampsAreRejected(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}
