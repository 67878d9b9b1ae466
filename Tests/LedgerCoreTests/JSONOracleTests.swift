import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The hand-written JSON parser and writer, held to Foundation as the oracle.
@Suite struct JSONOracleTests {
    let codec = EventCodec()

    @Test(arguments: EventType.allCases)
    func goldenExamplesDecodeTheSameBothWays(_ type: EventType) throws {
        let file = CodecTests.schemas.appendingPathComponent("\(type.rawValue).v1.example.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let fast = try codec.decode(type: type.rawValue, schemaVersion: 1, data: text)
        #expect(fast == (try codec.decodeWithFoundation(type: type, data: text)))
        // Each side reads what the other writes.
        #expect(try codec.decodeWithFoundation(type: type, data: codec.encodeData(fast)) == fast)
        #expect(try codec.decode(type: type.rawValue, schemaVersion: 1, data: codec.encodeWithFoundation(fast)) == fast)
        #expect(codec.encodeData(fast) == codec.encodeWithFoundation(fast), "byte for byte")
    }

    @Test func everyEventOfARandomWorkloadAgreesWithFoundation() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(durability: .normal))
        var generator = SeededGenerator(seed: 21)
        for request in RandomWorkload(jobCount: 25).requests(using: &generator) { _ = try? await store.execute(request) }
        let events = try await store.events(after: 0, limit: 10_000)
        #expect(events.count > 200)
        for stored in events {
            let type = try #require(EventType(rawValue: stored.type))
            let fast = try codec.decode(type: stored.type, schemaVersion: 1, data: stored.data)
            #expect(fast == (try codec.decodeWithFoundation(type: type, data: stored.data)), "position \(stored.position)")
            // A fold-only read (rebuild) skips what no fold reads and nothing else.
            var expected = fast
            if case .webhookReceived(var webhook) = expected {
                webhook.body = ""
                webhook.bodySHA256 = ""
                webhook.deliveryID = ""
                webhook.provider = ""
                webhook.externalID = ""
                expected = .webhookReceived(webhook)
            }
            var data = stored.data
            let skipping = try data.withUTF8 { try codec.decode(type: type, schemaVersion: 1, utf8: $0, foldOnly: true) }
            #expect(skipping == expected, "position \(stored.position)")
            // Byte for byte: what the store wrote is what Foundation writes.
            #expect(codec.encodeWithFoundation(fast) == stored.data, "position \(stored.position)")
            let metadata = try codec.decodeMetadata(stored.metadata)
            #expect(codec.encodeMetadataWithFoundation(metadata) == stored.metadata, "position \(stored.position)")
        }
    }

    static let hostile: [String] = [
        "", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "1e+",
        "+1", "NaN", "Infinity", "tru", "nul", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"",
        "\"tab\there\"", "\"unterminated", "[1] [2]", "{\"a\":1}x", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        "\"\\ud83d\\ude00\"", "[1.5e3,-0,2E-2,true,false,null]", "{\"\":\"\"}", "\"é\"", "  {\"a\" : [ ] }  ",
        "1e999", "-9223372036854775808", "9223372036854775808",
    ]

    @Test(arguments: hostile)
    func theParserAcceptsExactlyWhatFoundationAccepts(_ text: String) {
        let foundation = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        let fast = try? JSONParser.parse(text)
        // Deliberately stricter than Foundation: deep nesting is refused (a limit
        // against hostile input), and so are trailing commas, which RFC 8259
        // forbids and Foundation tolerates.
        if text.hasPrefix(String(repeating: "[", count: 100)) || text == "[1,]" || text == "{\"a\":1,}" {
            #expect(fast == nil)
            return
        }
        #expect((foundation != nil) == (fast != nil), "\(text.debugDescription): foundation \(foundation != nil), fast \(fast != nil)")
    }

    @Test(arguments: ["plain", "quote \" and \\ backslash", "line\nfeed\r\ttab", "\u{1}\u{1f}", "é ☃ 😀", "https://a/b?c=d&e", "\u{2028}"])
    func stringsRoundTripThroughTheWriterAndTheParser(_ text: String) throws {
        let value = JSONValue.object(["k": .string(text), "n": .array([.int(-3), .double(1.5), .null, .bool(true)])])
        let written = value.jsonText
        #expect(try JSONParser.parse(written) == value)
        let foundation = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any]
        #expect(foundation?["k"] as? String == text)
    }

    /// The writer copies runs between the bytes it escapes; its bytes must be
    /// those of the rule applied one byte at a time (RFC 8259's required
    /// escapes, short forms for \n \r \t, lowercase hex), whatever the
    /// string: empty, ending in an escape, DEL, non-ASCII, U+2028.
    @Test(arguments: ["", "a", "\"", "ends in a quote\"", "\\", "\u{7f}", "\u{0}\u{1f}\u{8}\u{c}", "line\n\r\t",
                      "é ☃ 😀", "\u{2028}", #"{"id":"x","status":"ok\n"}"#])
    func stringsAreWrittenByteForByteAsTheRuleSays(_ text: String) {
        var expected: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): expected += [UInt8(ascii: "\\"), byte]
            case 0x0A: expected += Array("\\n".utf8)
            case 0x0D: expected += Array("\\r".utf8)
            case 0x09: expected += Array("\\t".utf8)
            case 0..<0x20: expected += Array("\\u00\(String(byte >> 4, radix: 16))\(String(byte & 0x0F, radix: 16))".utf8)
            default: expected.append(byte)
            }
        }
        expected.append(UInt8(ascii: "\""))
        #expect(Array(JSONValue.string(text).jsonText.utf8) == expected, "\(text.debugDescription)")
    }

    /// Keys are matched on their bytes; one written with escapes still names
    /// its field, as it does for Codable, and a near miss names none.
    @Test func escapedKeysNameTheirFieldAsForFoundation() throws {
        let escaped = #"{"external\u005fid": "ext-1", "ext\u0065rnal_i": "x"}"#
        let fast = try codec.decode(type: "job.submitted", schemaVersion: 1, data: escaped)
        #expect(fast == (try codec.decodeWithFoundation(type: .jobSubmitted, data: escaped)))
        #expect(fast == .jobSubmitted(JobSubmitted(externalID: "ext-1")))
        let nearMiss = #"{"external_id_": "ext-1", "externalid": "x", "": 1}"#
        #expect(throws: EventDecodingError.self) { try codec.decode(type: "job.submitted", schemaVersion: 1, data: nearMiss) }
        #expect(throws: (any Error).self) { try codec.decodeWithFoundation(type: .jobSubmitted, data: nearMiss) }
    }

    /// Reported statuses are matched on their bytes; one written with escapes
    /// still names its word, as it does for Codable, and a near miss (a
    /// prefix, a longer word, another case, empty, a control character) is
    /// refused by both.
    @Test(arguments: [#"proc\u0065ssing"#, "processing", "completed", "processin", "processingg", "Processing", "", "\u{1}"])
    func reportedStatusesAreReadAsForFoundation(_ word: String) throws {
        let data = #"{"attempt":2,"http_status":200,"latency_ms":12,"outputs":null,"raw_status":"x","reported_status":""#
            + word + #""}"#
        let fast = try? codec.decode(type: "poll.result", schemaVersion: 1, data: data)
        let foundation = try? codec.decodeWithFoundation(type: .pollResult, data: data)
        #expect(fast == foundation, "\(word.debugDescription)")
        #expect((fast != nil) == ["processing", "completed", #"proc\u0065ssing"#].contains(word))
    }

    /// The stored time text, written byte by byte, against Foundation's
    /// formatter over random instants from 1601 to 9999 (Foundation's
    /// calendar is Julian before 1582; the ledger's is proleptic Gregorian).
    @Test func timestampTextAgreesWithFoundation() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        var random = SeededGenerator(seed: 14)
        let earliest: Int64 = -11_644_473_600_000, latest: Int64 = 253_402_300_799_999
        for milliseconds in [earliest, latest, 0, -1, 951_868_799_999] + (0..<2000).map({ _ in Int64.random(in: earliest...latest, using: &random) }) {
            let instant = Timestamp(millisecondsSinceEpoch: milliseconds)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(instant.iso8601 == formatter.string(from: date), "\(milliseconds)")
            #expect(Timestamp(iso8601: instant.iso8601) == instant)
        }
    }
}
