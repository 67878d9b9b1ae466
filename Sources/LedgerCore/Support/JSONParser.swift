/// A strict RFC 8259 JSON parser over UTF-8 bytes, producing ``JSONValue``.
///
/// The rebuild and replay paths decode every event; Foundation's Codable
/// decoder measured ~6 µs per event here, which alone would cap a rebuild
/// below 200 k events/s. This parser does the same work without the Codable
/// machinery. `JSONDecoder` stays the oracle: a test holds both to the same
/// result on every golden example and on random events.
public struct JSONParser {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Nesting deeper than this is refused (hostile input must not blow the stack).
    public static let depthMax = 64

    /// The keys of `text`'s top-level object in order, repeats kept (none for
    /// text that is no object: the decoder reports that), values skipped, not
    /// built. For bodies the ledger's own clients write, where Foundation's
    /// decoder would quietly keep the first of a key named twice and drop a key
    /// it does not know; nested values (metadata, outputs pasted from a
    /// provider) are opaque, and the parser itself keeps the last.
    public static func topLevelKeys(in text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var reader = JSONReader(bytes: bytes)
            var keys: [String] = []
            try? reader.object { key, reader throws(Failure) in
                keys.append(key.description)
                try reader.skipValue()
            }
            return keys
        }
    }

    public static func parse(_ text: String) throws(Failure) -> JSONValue {
        var text = text
        let result: Result<JSONValue, Failure> = text.withUTF8 { bytes in
            var parser = JSONReader(bytes: bytes)
            do throws(Failure) {
                let value = try parser.value(depth: 0)
                parser.skipWhitespace()
                guard parser.index == bytes.count else { return .failure(parser.failure("trailing characters")) }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// A cursor over UTF-8 JSON. ``JSONParser`` builds values with it; the
/// payload decoders read known fields straight into typed properties.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Set by fold-only reads (a rebuild's job streams, verify): fields no
    /// fold reads (webhook bodies, the largest field, body hashes, delivery
    /// ids, and a webhook's provider and external id) are checked, not copied.
    var foldOnly = false

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func failure(_ reason: String) -> JSONParser.Failure { JSONParser.Failure(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try objectValue(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    /// A key named twice: the last value counts (as in most JSON readers;
    /// a real Replicate body names `model` twice).
    private mutating func objectValue(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        var members = [String: JSONValue](minimumCapacity: 12)
        try object(depth: depth) { key, reader throws(JSONParser.Failure) in members[key.description] = try reader.value(depth: depth) }
        return .object(members)
    }

    private mutating func array(depth: Int) throws(JSONParser.Failure) -> JSONValue {
        guard depth <= JSONParser.depthMax else { throw failure("nested deeper than \(JSONParser.depthMax)") }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "]") else { throw failure("expected ',' or ']'") }
            index += 1
            return .array(items)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParser.Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("unexpected end") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("expected \(word)")
        }
        index += count
    }

    /// Moves past a string without building it (validating it all the same).
    mutating func skipString() throws(JSONParser.Failure) {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"): try skipEscape()
            case 0..<0x20: throw failure("control character in a string")
            default: break
            }
        }
        throw failure("unterminated string")
    }

    /// An object member's key: its bytes when it has no escapes.
    mutating func key() throws(JSONParser.Failure) -> JSONKey {
        guard let plain = plainString() else { return JSONKey(text: try string()) }
        return JSONKey(bytes: plain)
    }

    /// The bytes of the string at `index` when it has no escape and no
    /// control character, the reader moved past it; nil (the reader left at
    /// the opening quote) when it needs the general path, ``string()``.
    mutating func plainString() -> UnsafeBufferPointer<UInt8>? {
        let start = index + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else { return nil }
        index = end + 1
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// A string; the fast path copies runs without escapes in one go.
    mutating func string() throws(JSONParser.Failure) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard byte >= 0x20 else { throw failure("control character in a string") }
            index += 1
        }
        throw failure("unterminated string")
    }

    /// A string with escapes: runs between escapes are copied in one go
    /// (webhook bodies are JSON inside JSON, so they are full of escaped quotes).
    private mutating func escapedString(from start: Int) throws(JSONParser.Failure) -> String {
        var scalars: [UInt8] = []
        scalars.reserveCapacity(index - start + 64)
        var runStart = start
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                scalars.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                index += 1
                try appendEscape(to: &scalars)
                runStart = index
            case 0..<0x20: throw failure("control character in a string")
            default: index += 1
            }
        }
        throw failure("unterminated string")
    }

    /// Checks one escape without producing it (strings being skipped).
    private mutating func skipEscape() throws(JSONParser.Failure) {
        guard index < bytes.count else { throw failure("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"): _ = try unicodeEscape()
        default: throw failure("unknown escape")
        }
    }

    private mutating func appendEscape(to out: inout [UInt8]) throws(JSONParser.Failure) {
        guard index < bytes.count else { throw failure("unterminated escape") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape())
        default: throw failure("unknown escape")
        }
    }

    private mutating func unicodeEscape() throws(JSONParser.Failure) -> [UInt8] {
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw failure("unpaired surrogate")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(code) {
            throw failure("unpaired surrogate")
        }
        guard let scalar = Unicode.Scalar(code) else { throw failure("invalid code point") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(JSONParser.Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("short \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw failure("bad hex digit")
            }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    mutating func number() throws(JSONParser.Failure) -> JSONValue {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, (0x30...0x39).contains(bytes[index]) else { throw failure("unexpected character") }
        if bytes[index] == 0x30, index + 1 < bytes.count, (0x30...0x39).contains(bytes[index + 1]) {
            throw failure("leading zero")
        }
        var integral = true
        while index < bytes.count {
            switch bytes[index] {
            case 0x30...0x39: index += 1
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                integral = false
                index += 1
            default: break
            }
            if index < bytes.count, !Self.isNumberByte(bytes[index]) { break }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let whole = Int64(text) { return .int(whole) }
        guard let real = Double(text), real.isFinite, Self.isValidNumber(text) else { throw failure("bad number \(text)") }
        return .double(real)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e")
            || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// The JSON number grammar: -? int frac? exp? (Double() alone accepts more).
    private static func isValidNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let intDigits = bytes.prefix { (0x30...0x39).contains($0) }
        guard !intDigits.isEmpty else { return false }
        bytes = bytes.dropFirst(intDigits.count)
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            let fraction = bytes.prefix { (0x30...0x39).contains($0) }
            guard !fraction.isEmpty else { return false }
            bytes = bytes.dropFirst(fraction.count)
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            let exponent = bytes.prefix { (0x30...0x39).contains($0) }
            guard !exponent.isEmpty else { return false }
            bytes = bytes.dropFirst(exponent.count)
        }
        return bytes.isEmpty
    }
}
