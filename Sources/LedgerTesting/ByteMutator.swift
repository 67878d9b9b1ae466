/// Seeded byte-level mutations for fuzz tests: overwrite, insert, delete or
/// truncate, with bytes that matter to JSON and UTF-8 parsers.
public enum ByteMutator {
    public static let interesting: [UInt8] = Array("{}[]\":,\\u0123456789.eE+-tfn \n\t".utf8)
        + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xFF]

    /// One to four mutations of `bytes`.
    public static func mutate(_ bytes: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &generator) where !out.isEmpty {
            let at = Int.random(in: 0..<out.count, using: &generator)
            let byte = interesting.randomElement(using: &generator) ?? 0
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: out[at] = byte
            case 1: out.insert(byte, at: at)
            case 2: out.remove(at: at)
            default: out = Array(out[..<at])  // truncation
            }
        }
        return out
    }
}
