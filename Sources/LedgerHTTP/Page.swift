/// A list resource: `{"<plural>": [...], "next_cursor": ...}`, the
/// cursor written as `null` on the last page rather than left out.
struct Page<Item: Encodable>: Encodable {
    var plural: String
    var items: [Item]
    var nextCursor: String?

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(items, forKey: Key(stringValue: plural))
        try container.encode(nextCursor, forKey: Key(stringValue: "next_cursor"))
    }
}
