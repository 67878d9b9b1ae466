extension JSONReader {
    /// Reads an object, handing each member's key to `member`, which must
    /// consume the value (with a typed read, or ``skipValue()``). `depth` is
    /// the object's own nesting depth, refused past ``JSONParser/depthMax``.
    mutating func object(
        depth: Int = 1, _ member: (JSONKey, inout JSONReader) throws(JSONParser.Failure) -> Void
    ) throws(JSONParser.Failure) {
        guard depth <= JSONParser.depthMax else { throw failure("nested deeper than \(JSONParser.depthMax)") }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw failure("expected an object") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a key") }
            let key = try self.key()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            try member(key, &self)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "}") else { throw failure("expected ',' or '}'") }
            index += 1
            return
        }
    }

    mutating func skipValue() throws(JSONParser.Failure) { _ = try value(depth: 0) }

    /// The end of the input, after optional whitespace.
    mutating func expectEnd() throws(JSONParser.Failure) {
        skipWhitespace()
        guard index == bytes.count else { throw failure("trailing characters") }
    }

    mutating func readString(_ key: JSONKey) throws(JSONParser.Failure) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("\(key) is not a string") }
        return try string()
    }

    /// A word of `table`'s vocabulary, matched in place when it has no
    /// escapes (the words never do; an escaped one takes the general path).
    mutating func readWord<Word>(_ key: JSONKey, in table: WordTable<Word>) throws(JSONParser.Failure) -> Word {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("\(key) is not a string") }
        let word = if let plain = plainString() { table.word(plain) } else { Word(rawValue: try string()) }
        guard let word else { throw failure("\(key) is not one of its documented words") }
        return word
    }

    /// A string; in a fold-only read, an empty one after checking it (a
    /// webhook's body, body hash, delivery id, provider and external id: no
    /// fold reads them).
    mutating func readFoldedString(_ key: JSONKey) throws(JSONParser.Failure) -> String {
        guard foldOnly else { return try readString(key) }
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("\(key) is not a string") }
        try skipString()
        return ""
    }

    /// A string, or `nil` for `null`.
    mutating func readOptionalString(_ key: JSONKey) throws(JSONParser.Failure) -> String? {
        if try readNull() { return nil }
        return try readString(key)
    }

    mutating func readBool(_ key: JSONKey) throws(JSONParser.Failure) -> Bool {
        guard case .bool(let flag) = try value(depth: 0) else { throw failure("\(key) is not true or false") }
        return flag
    }

    /// An integer; digits are accumulated directly (no text in between), and
    /// anything else falls back to the general number reader.
    mutating func readInt64(_ key: JSONKey) throws(JSONParser.Failure) -> Int64 {
        skipWhitespace()
        let start = index
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { negative = true; index += 1 }
        var magnitude: Int64 = 0
        var digits = 0
        while index < bytes.count, (0x30...0x39).contains(bytes[index]), digits < 18 {
            magnitude = magnitude * 10 + Int64(bytes[index] - 0x30)
            index += 1
            digits += 1
        }
        let simple = digits > 0 && !(digits > 1 && bytes[start + (negative ? 1 : 0)] == 0x30)
        if simple, index == bytes.count || !Self.continuesNumber(bytes[index]) {
            return negative ? -magnitude : magnitude
        }
        index = start
        switch try number() {
        case .int(let whole): return whole
        case .double(let real) where real == real.rounded() && abs(real) < 9.0e18: return Int64(real)
        default: throw failure("\(key) is not an integer")
        }
    }

    mutating func readOptionalInt64(_ key: JSONKey) throws(JSONParser.Failure) -> Int64? {
        if try readNull() { return nil }
        return try readInt64(key)
    }

    /// Any JSON value, kept whole (outputs, metadata).
    mutating func readValue() throws(JSONParser.Failure) -> JSONValue { try value(depth: 0) }

    /// Consumes `null` and answers true, or answers false and consumes nothing.
    private mutating func readNull() throws(JSONParser.Failure) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        _ = try value(depth: 0)
        return true
    }

    private static func continuesNumber(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}

extension JSONParser {
    /// Runs `read` over the UTF-8 bytes of `text` and checks nothing follows.
    static func read<T>(_ text: String, _ read: (inout JSONReader) throws(Failure) -> T) throws(Failure) -> T {
        var text = text
        let result: Result<T, Failure> = text.withUTF8 { bytes in Result { () throws(Failure) in try Self.read(bytes, read) } }
        return try result.get()
    }

    /// Runs `read` over `bytes` and checks nothing follows.
    static func read<T>(_ bytes: UnsafeBufferPointer<UInt8>,
                        _ read: (inout JSONReader) throws(Failure) -> T) throws(Failure) -> T {
        var reader = JSONReader(bytes: bytes)
        let value = try read(&reader)
        try reader.expectEnd()
        return value
    }
}
