import Foundation
import LedgerCore
import LedgerTesting
import Testing

/// Seeded mutations of real payloads thrown at the JSON reader: it must never
/// crash, and it may only be stricter than Foundation, never more lenient.
@Suite struct JSONFuzzTests {
    static let seeds: [String] = EventType.allCases.compactMap { type in
        let file = CodecTests.schemas.appendingPathComponent("\(type.rawValue).v1.example.json")
        return try? String(contentsOf: file, encoding: .utf8)
    }

    static let interesting: [UInt8] = Array("{}[]\":,\\u0123456789.eE+-tfn \n\t".utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xFF]

    func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) where !out.isEmpty {
            let at = Int.random(in: 0..<out.count, using: &generator)
            let byte = Self.interesting.randomElement(using: &generator) ?? 0
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: out[at] = byte
            case 1: out.insert(byte, at: at)
            case 2: out.remove(at: at)
            default: out = Array(out[..<at])  // truncation
            }
        }
        return out
    }

    @Test(arguments: Array(UInt64(1)...UInt64(8)))
    func mutatedPayloadsNeverCrashAndAreNeverAcceptedWhenFoundationRefuses(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let codec = EventCodec()
        var accepted = 0
        for round in 0..<400 {
            let type = EventType.allCases[round % EventType.allCases.count]
            let original = Self.seeds[round % Self.seeds.count]
            let bytes = mutate(Array(original.utf8), using: &generator)
            let text = String(decoding: bytes, as: UTF8.self)
            let parsed = try? JSONParser.parse(text)
            _ = try? codec.decode(type: type.rawValue, schemaVersion: 1, data: text)
            guard parsed != nil else { continue }
            accepted += 1
            let foundation = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(foundation != nil, "seed \(seed) round \(round): accepted what Foundation refuses: \(text.debugDescription)")
        }
        #expect(accepted > 0, "the mutations should leave some inputs valid")
    }
}
