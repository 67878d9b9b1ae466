import Foundation

/// An object member's key as the payload decoders match it: still the
/// input's bytes when it has no escapes (every key the ledger writes), so
/// matching it against a literal builds no String. A rebuild reads about ten
/// keys per event; making each a String measured as a fifth of decoding.
struct JSONKey: CustomStringConvertible {
    private enum Storage {
        case bytes(UnsafeBufferPointer<UInt8>)
        case text(String)
    }

    private let storage: Storage

    /// Bytes without escapes, valid while the reader's input is.
    init(bytes: UnsafeBufferPointer<UInt8>) { storage = .bytes(bytes) }

    /// A key that had escapes, unescaped.
    init(text: String) { storage = .text(text) }

    var description: String {
        switch storage {
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        case .text(let text): text
        }
    }

    /// `case "job_id":` in a switch over a key.
    static func ~= (literal: StaticString, key: JSONKey) -> Bool { key == literal }

    static func == (key: JSONKey, literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        switch key.storage {
        case .bytes(let bytes):
            // memcmp: the generic elementsEqual measured as a twentieth of a rebuild.
            guard bytes.count == count, let start = bytes.baseAddress else { return bytes.count == count }
            return memcmp(start, literal.utf8Start, count) == 0
        case .text(let text):
            return text.utf8.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        }
    }
}
