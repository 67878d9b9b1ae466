/// How a provider's text reads in the projections, on every engine.
///
/// The log keeps a provider's status word, error and outputs as they came,
/// a NUL included (its JSON holds the escape). PostgreSQL's text holds no
/// NUL, and SQLite reads a text only up to one: the projections show a NUL
/// as U+FFFD, at every depth of JSON text held in text (a `\u0000` escape
/// reads `\uFFFD`; a provider's literal backslash-`u0000` does too: the price
/// of one pass over the bytes). Each engine applies it where it writes
/// projection rows, so their answers and their rebuilds agree.
public enum ProjectionText {
    /// `value` as a projection column holds it.
    public static func shown(_ value: SQLValue) -> SQLValue {
        guard case .text(let text) = value else { return value }
        return .text(shown(text))
    }

    /// `text` with each NUL written U+FFFD and each `\u0000` escape `\uFFFD`;
    /// nearly always `text` itself, after one scan of its bytes.
    public static func shown(_ text: String) -> String {
        var text = text
        guard text.withUTF8(needsReplacing) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            if byte == 0 { bytes.append(contentsOf: "\u{FFFD}".utf8) } else { bytes.append(byte) }
        }
        return String(decoding: withoutNULEscapes(bytes), as: UTF8.self)
    }

    /// `json` with every `\u0000` escape (any number of backslashes before it) written `\uFFFD`.
    /// Without such an escape (nearly always) nothing is copied.
    public static func withoutNULEscapes(_ json: [UInt8]) -> [UInt8] {
        var out = json
        while let at = out.withUnsafeBufferPointer(firstNULEscape) {
            out.replaceSubrange((at + 2)..<(at + 6), with: "FFFD".utf8)
        }
        return out
    }

    /// Where the first `\u0000` escape starts (its backslash), or nil.
    public static func firstNULEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index + 5 < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "0"),
               bytes[index + 3] == UInt8(ascii: "0"), bytes[index + 4] == UInt8(ascii: "0"), bytes[index + 5] == UInt8(ascii: "0") {
                return index
            }
            index += 1
        }
        return nil
    }

    private static func needsReplacing(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.contains(0) || firstNULEscape(bytes) != nil
    }
}
