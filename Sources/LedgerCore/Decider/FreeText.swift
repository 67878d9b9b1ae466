/// Text people write and read, stored as given and shown on pages and
/// terminals: a job's operation, a cancellation's reason, an operator's name
/// and reason. Refused when a command brings it (the log keeps whatever it
/// already holds):
/// - NUL: SQLite's text readers stop at it, so a page would show less than
///   the log holds;
/// - other control characters but tab and line breaks;
/// - the two bidirectional overrides (U+202D, U+202E), which make a page or
///   terminal show text in another order than it is stored. Embeddings and
///   isolates (U+202A-U+202C, U+2066-U+2069), which ordinary software inserts
///   around copied names and numbers, are accepted.
public enum FreeText {
    /// Why `text` cannot be recorded as `field`, or nil when it can.
    public static func problem(_ field: String, _ text: String) -> String? {
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D: continue
            case 0x00...0x1F, 0x7F...0x9F:
                return "\(field) must not hold control characters (U+\(code(scalar)))"
            case 0x202D, 0x202E:
                return "\(field) must not hold bidirectional overrides (U+\(code(scalar)))"
            default: continue
            }
        }
        return nil
    }

    /// True when `text` shows nothing: only whitespace, invisible format
    /// characters (a zero-width space is not a name), and what Unicode calls
    /// default-ignorable (variation selectors, the Hangul fillers, the Khmer
    /// inherent vowels), or draws no ink though it is not: the blank Braille
    /// pattern (U+2800) and the null notehead (U+1D159).
    public static func showsNothing(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isWhitespace || [.format, .control].contains(scalar.properties.generalCategory)
                || scalar.properties.isDefaultIgnorableCodePoint || scalar.value == 0x2800 || scalar.value == 0x1D159
        }
    }

    static func check(_ text: String, field: String) throws(DecisionError) {
        if let problem = problem(field, text) { throw .invalid(problem) }
    }

    private static func code(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension JobCommand {
    /// Checks the text a command brings for people to read (``FreeText``).
    func validateText() throws(DecisionError) {
        switch self {
        case .register(let registration): try FreeText.check(registration.operation, field: "operation")
        case .cancel(let reason):
            // Shown wherever the cancellation is (the job, the refund, the app's notification).
            if FreeText.showsNothing(reason) { throw .invalid("reason is required: it is recorded with the cancellation") }
            try FreeText.check(reason, field: "reason")
        case .submit, .webhook, .poll, .resolveCompleted, .resolveFailed, .reevaluate, .watchdog, .notification: break
        }
    }
}
