/// How a provider's text reads in the projections, on every engine.
///
/// The log keeps a provider's status word, error and outputs as they came,
/// a NUL included (its JSON holds the escape). PostgreSQL's text holds no
/// NUL, and SQLite reads a text only up to one: in the projections a NUL
/// reads as U+FFFD. Two cases, by column: a text column's NUL character
/// (``shown(_:)-(String)``), and in a JSON column (a job's outputs) a
/// `\u0000` escape (``shownJSON(_:)``). Anything else is left as it is: a
/// provider's or an id's literal backslash-`u0000` is six printable
/// characters, and an id keeps them (a projection row keyed by another id
/// would be a job no lookup finds). Each engine writes its rows so.
public enum ProjectionText {
    /// `value` as a text column holds it.
    public static func shown(_ value: SQLValue) -> SQLValue {
        guard case .text(let text) = value else { return value }
        return .text(shown(text))
    }

    /// A row's values as text columns hold them: the row itself (no copy)
    /// unless one holds a NUL, as nearly always on the append path.
    public static func shown(_ values: [SQLValue]) -> [SQLValue] {
        guard values.contains(where: holdsNUL) else { return values }
        return values.map(shown)
    }

    private static func holdsNUL(_ value: SQLValue) -> Bool {
        guard case .text(var text) = value else { return false }
        return text.withUTF8 { $0.contains(0) }
    }

    /// `text` with each NUL character written U+FFFD; nearly always `text`
    /// itself, after one scan of its bytes.
    public static func shown(_ text: String) -> String {
        var text = text
        guard text.withUTF8({ $0.contains(0) }) else { return text }
        return String(text.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : Character($0) })
    }

    /// JSON text with each `\u0000` escape written `\uFFFD`: an escape, not a
    /// provider's literal backslash before `u0000` (written `\\u0000`).
    public static func shownJSON(_ json: String) -> String {
        var json = json
        guard json.withUTF8({ firstNULEscape($0) != nil }) else { return json }
        return String(decoding: withoutNULEscapes(Array(json.utf8)), as: UTF8.self)
    }

    /// `json` with every `\u0000` escape written `\uFFFD`. Without one (nearly always) nothing is copied.
    public static func withoutNULEscapes(_ json: [UInt8]) -> [UInt8] {
        var out = json
        while let at = out.withUnsafeBufferPointer(firstNULEscape) {
            out.replaceSubrange((at + 2)..<(at + 6), with: "FFFD".utf8)
        }
        return out
    }

    /// Where the first `\u0000` escape starts (its backslash), or nil: a
    /// backslash that an odd number of backslashes before it does not escape.
    public static func firstNULEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let backslash = UInt8(ascii: "\\"), zero = UInt8(ascii: "0")
        var index = 0
        while index + 5 < bytes.count {
            if bytes[index] == backslash, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == zero,
               bytes[index + 3] == zero, bytes[index + 4] == zero, bytes[index + 5] == zero {
                var before = 0
                while index - before - 1 >= 0, bytes[index - before - 1] == backslash { before += 1 }
                if before % 2 == 0 { return index }
            }
            index += 1
        }
        return nil
    }
}
