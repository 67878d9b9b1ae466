/// Text compared and hashed byte for byte (UTF-8), as the databases compare
/// it: Swift's `String ==` treats canonically equivalent spellings ("é" and
/// "e" + a combining accent) as equal, which would merge two streams or two
/// accounts a log keeps apart.
struct ExactText: Hashable, Comparable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func equal(_ left: String, _ right: String) -> Bool { left.utf8.elementsEqual(right.utf8) }

    static func == (left: ExactText, right: ExactText) -> Bool { equal(left.text, right.text) }

    static func < (left: ExactText, right: ExactText) -> Bool { left.text.utf8.lexicographicallyPrecedes(right.text.utf8) }

    func hash(into hasher: inout Hasher) {
        hasher.combine(text.utf8.count)
        for byte in text.utf8 { hasher.combine(byte) }
    }
}
