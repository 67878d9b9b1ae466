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

    func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        ByteMutator.mutate(bytes, using: &generator)
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
