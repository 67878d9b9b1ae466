import Foundation

/// A JSON value, used where a payload carries provider-defined content
/// (`outputs`, job `metadata`) that the ledger stores without interpreting.
///
/// Integers and floating-point numbers are kept apart so that credits and ids
/// written as integers come back as integers.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value at `key` when this is an object, else `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string when this is a string, else `nil`.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool { self == .null }
}

extension JSONValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let whole = try? container.decode(Int64.self) {
            self = .int(whole)
        } else if let real = try? container.decode(Double.self) {
            self = .double(real)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let flag): try container.encode(flag)
        case .int(let whole): try container.encode(whole)
        case .double(let real): try container.encode(real)
        case .string(let text): try container.encode(text)
        case .array(let items): try container.encode(items)
        case .object(let members): try container.encode(members)
        }
    }
}

extension JSONValue {
    /// Compact JSON text with sorted keys: the same value always gives the same text.
    public var jsonText: String { JSONWriter.write(self) }

    /// Parses JSON text; `nil` when it is not JSON.
    public init?(jsonText: String) {
        guard let value = try? JSONParser.parse(jsonText) else { return nil }
        self = value
    }
}
