extension Timestamp {
    /// The stored form, `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 characters).
    public var iso8601: String {
        let milliseconds = millisecondsSinceEpoch
        let days = floorDivide(milliseconds, 86_400_000)
        let millisecondOfDay = milliseconds - days * 86_400_000
        let (year, month, day) = Self.civil(fromDays: days)
        guard (0...9999).contains(year) else { return Self.text(year, month, day, millisecondOfDay) }
        // Written into the String's own 24 bytes: joining twelve small
        // Strings measured as a twentieth of a rebuild (every job row has
        // several times).
        return String(unsafeUninitializedCapacity: 24, initializingUTF8With: { text in
            var end = 0
            func put(_ value: Int64, width: Int, then mark: Unicode.Scalar) {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    text[end + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                text[end + width] = UInt8(ascii: mark)
                end += width + 1
            }
            put(year, width: 4, then: "-")
            put(month, width: 2, then: "-")
            put(day, width: 2, then: "T")
            put(millisecondOfDay / 3_600_000, width: 2, then: ":")
            put(millisecondOfDay / 60_000 % 60, width: 2, then: ":")
            put(millisecondOfDay / 1000 % 60, width: 2, then: ".")
            put(millisecondOfDay % 1000, width: 3, then: "Z")
            return end
        })
    }

    /// The same text for a year outside 0...9999 (never stored; kept exact).
    private static func text(_ year: Int64, _ month: Int64, _ day: Int64, _ millisecondOfDay: Int64) -> String {
        var text = ""
        text += Self.digits(year, width: 4)
        text += "-" + Self.digits(month, width: 2) + "-" + Self.digits(day, width: 2)
        text += "T" + Self.digits(millisecondOfDay / 3_600_000, width: 2)
        text += ":" + Self.digits(millisecondOfDay / 60_000 % 60, width: 2)
        text += ":" + Self.digits(millisecondOfDay / 1000 % 60, width: 2)
        text += "." + Self.digits(millisecondOfDay % 1000, width: 3) + "Z"
        return text
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]Z`; also accepts a `+00:00` suffix and
    /// a bare date (midnight UTC), the shapes people type on a command line.
    public init?(iso8601 text: String) {
        var bytes = Array(text.utf8)
        if bytes.count == 10 { bytes += Array("T00:00:00Z".utf8) }
        if bytes.count >= 6, bytes.suffix(6).elementsEqual("+00:00".utf8) {
            bytes.removeLast(6)
            bytes.append(UInt8(ascii: "Z"))
        }
        self.init(utf8: bytes)
    }

    /// Parses the stored form straight from bytes (the replay and rebuild
    /// paths read `recorded_at` from SQLite's buffer without making a String).
    public init?(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        self.init(parsing: buffer)
    }

    init?(utf8 bytes: [UInt8]) {
        guard let parsed = bytes.withUnsafeBufferPointer({ Timestamp(parsing: $0) }) else { return nil }
        self = parsed
    }

    private init?(parsing bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        guard let year = Self.number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = Self.number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = Self.number(bytes, 8, 2), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              let hour = Self.number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = Self.number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = Self.number(bytes, 17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...Self.dayCount(year, month)).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var millisecond: Int64 = 0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count <= 30 else { return nil }
            let fraction = bytes[20..<(bytes.count - 1)]
            guard !fraction.isEmpty, let value = Self.number(bytes, 20, fraction.count) else { return nil }
            millisecond = fraction.count >= 3
                ? value / Self.power10(fraction.count - 3)
                : value * Self.power10(3 - fraction.count)
        } else if bytes.count != 20 {
            return nil
        }
        let days = Self.days(fromCivil: year, month, day)
        let total = ((days * 24 + hour) * 60 + minute) * 60 + second
        self.init(millisecondsSinceEpoch: total * 1000 + millisecond)
    }

    /// The days of `month` in `year` (proleptic Gregorian): a 30 February is no day, not 2 March.
    static func dayCount(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's days-from-civil and civil-from-days, proleptic Gregorian.
    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for index in start..<(start + count) {
            let byte = bytes[index]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int64(byte - 48)
        }
        return value
    }

    private static func power10(_ exponent: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    private static func digits(_ value: Int64, width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}
