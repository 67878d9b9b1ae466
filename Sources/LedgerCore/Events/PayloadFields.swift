/// Typed reads from a parsed payload object, with the rules Codable applies:
/// a missing required key or a wrong type is an error; an optional is `nil`
/// when absent or `null`; unknown keys are ignored (forward compatibility).
struct PayloadFields {
    let members: [String: JSONValue]
    let type: EventType

    init(_ value: JSONValue, type: EventType) throws(EventDecodingError) {
        guard case .object(let members) = value else {
            throw .malformed(type: type.rawValue, detail: "data is not a JSON object")
        }
        self.members = members
        self.type = type
    }

    private func wrong(_ key: String, _ expected: String) -> EventDecodingError {
        .malformed(type: type.rawValue, detail: members[key] == nil ? "missing \(key)" : "\(key) is not \(expected)")
    }

    func string(_ key: String) throws(EventDecodingError) -> String {
        guard case .string(let text) = members[key] else { throw wrong(key, "a string") }
        return text
    }

    func optionalString(_ key: String) throws(EventDecodingError) -> String? {
        switch members[key] {
        case nil, .null: return nil
        case .string(let text): return text
        default: throw wrong(key, "a string")
        }
    }

    func int64(_ key: String) throws(EventDecodingError) -> Int64 {
        guard let value = try optionalInt64(key) else { throw wrong(key, "an integer") }
        return value
    }

    func optionalInt64(_ key: String) throws(EventDecodingError) -> Int64? {
        switch members[key] {
        case nil, .null: return nil
        case .int(let whole): return whole
        case .double(let real) where real == real.rounded() && abs(real) < 9.0e18: return Int64(real)
        default: throw wrong(key, "an integer")
        }
    }

    func int(_ key: String) throws(EventDecodingError) -> Int { Int(try int64(key)) }

    func optionalInt(_ key: String) throws(EventDecodingError) -> Int? { try optionalInt64(key).map { Int($0) } }

    func bool(_ key: String) throws(EventDecodingError) -> Bool {
        guard case .bool(let flag) = members[key] else { throw wrong(key, "true or false") }
        return flag
    }

    /// A required key holding any JSON value (`null` included).
    func value(_ key: String) throws(EventDecodingError) -> JSONValue {
        guard let value = members[key] else { throw wrong(key, "present") }
        return value
    }

    func word<Word: RawRepresentable<String>>(_ key: String, as _: Word.Type) throws(EventDecodingError) -> Word {
        guard let word = Word(rawValue: try string(key)) else { throw wrong(key, "one of its documented words") }
        return word
    }
}
