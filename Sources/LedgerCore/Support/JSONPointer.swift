/// A JSON Pointer (RFC 6901): `""` is the whole document, `/data/id` a member
/// of a member, `/outputs/0` an array element; `~1` stands for `/`, `~0` for `~`.
/// Provider profiles name where a webhook keeps its fields with these.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    public let tokens: [String]
    public let description: String

    /// Nil when `text` is not a pointer (it must be empty or start with `/`,
    /// and `~` must be followed by `0` or `1`).
    public init?(_ text: String) {
        guard text.isEmpty || text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            guard let token = Self.unescape(raw) else { return nil }
            tokens.append(token)
        }
        self.tokens = tokens
        description = text
    }

    /// The value the pointer names in `document`, or nil when there is none.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let member = members[token] else { return nil }
                current = member
            case .array(let items):
                // RFC 6901: decimal digits, no leading zero (except "0" itself).
                guard let index = Int(token), index >= 0, index < items.count,
                      token == String(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    private static func unescape(_ raw: Substring) -> String? {
        guard raw.contains("~") else { return String(raw) }
        var result = ""
        var escaping = false
        for character in raw {
            if escaping {
                switch character {
                case "0": result.append("~")
                case "1": result.append("/")
                default: return nil
                }
                escaping = false
            } else if character == "~" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return escaping ? nil : result
    }
}
