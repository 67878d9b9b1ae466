import LedgerCore

/// The one change retention makes to a stored event: the raw provider body
/// of a `webhook.received` event replaced by ``marker``, at the text level
/// (every other byte of the `data` column stays as it was, so the database's
/// guard can compare the rest, and the redacted text is the same on every
/// engine and in every run).
public enum BodyRedaction {
    /// What a redacted body reads as.
    public static let marker = "[redacted]"
    static let markerJSON = "\"[redacted]\""

    /// `data` with its top-level `body` string replaced by the marker; nil
    /// when the event is not a `webhook.received`, has no top-level body
    /// string, or its body already reads as the marker.
    public static func redacted(type: String, data: String) -> String? {
        guard type == EventType.webhookReceived.rawValue, let span = bodyValueSpan(in: data) else { return nil }
        let value = data.utf8[span]
        guard !value.elementsEqual(markerJSON.utf8) else { return nil }
        return String(data.utf8[..<span.lowerBound])! + markerJSON + String(data.utf8[span.upperBound...])!
    }

    /// True when `data` is a webhook's whose body retention redacted: the
    /// only data that may differ from its recorded digest (`verify`'s walk
    /// and a proof's check both ask).
    public static func isRedacted(type: String, data: String) -> Bool {
        type == EventType.webhookReceived.rawValue && isRedacted(data)
    }

    /// True when the top-level body of `data` reads as the marker.
    public static func isRedacted(_ data: String) -> Bool {
        guard let span = bodyValueSpan(in: data) else { return false }
        return data.utf8[span].elementsEqual(markerJSON.utf8)
    }

    /// The bytes of the top-level `"body"` member's string value, quotes included.
    static func bodyValueSpan(in data: String) -> Range<String.UTF8View.Index>? {
        var scanner = JSONSpanScanner(data.utf8)
        return scanner.topLevelStringValue(forKey: "body")
    }
}

/// Just enough of a JSON scanner to find one top-level member's value:
/// strings (with escapes), nesting, and everything else skipped byte by byte.
struct JSONSpanScanner {
    private let bytes: String.UTF8View
    private var index: String.UTF8View.Index

    init(_ bytes: String.UTF8View) {
        self.bytes = bytes
        index = bytes.startIndex
    }

    mutating func topLevelStringValue(forKey wanted: String) -> Range<String.UTF8View.Index>? {
        skipSpace()
        guard next() == UInt8(ascii: "{") else { return nil }
        while true {
            skipSpace()
            guard let keySpan = string() else { return nil }
            skipSpace()
            guard next() == UInt8(ascii: ":") else { return nil }
            skipSpace()
            let valueStart = index
            let isString = peek() == UInt8(ascii: "\"")
            guard skipValue() else { return nil }
            let isWanted = bytes[bytes.index(after: keySpan.lowerBound)..<bytes.index(before: keySpan.upperBound)]
                .elementsEqual(wanted.utf8)
            if isWanted { return isString ? valueStart..<index : nil }
            skipSpace()
            guard next() == UInt8(ascii: ",") else { return nil }
        }
    }

    private func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.endIndex else { return nil }
        defer { index = bytes.index(after: index) }
        return bytes[index]
    }

    private mutating func skipSpace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { _ = next() }
    }

    /// A string, quotes included.
    private mutating func string() -> Range<String.UTF8View.Index>? {
        let start = index
        guard next() == UInt8(ascii: "\"") else { return nil }
        while let byte = next() {
            if byte == UInt8(ascii: "\\") { guard next() != nil else { return nil } }
            if byte == UInt8(ascii: "\"") { return start..<index }
        }
        return nil
    }

    private mutating func skipValue() -> Bool {
        guard let first = peek() else { return false }
        switch first {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while let byte = peek() {
                if byte == UInt8(ascii: "\"") { guard string() != nil else { return false }; continue }
                _ = next()
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 { return true }
                }
            }
            return false
        default:
            while let byte = peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: "}") { _ = next() }
            return true
        }
    }
}
