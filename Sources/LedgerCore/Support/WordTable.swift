import Foundation

/// A closed vocabulary's words as bytes, to find the word some stored bytes
/// spell without making a String of them: a rebuild reads a million event
/// types and as many reported statuses.
struct WordTable<Word: RawRepresentable<String> & CaseIterable & Sendable>: Sendable {
    private let entries: [(bytes: [UInt8], word: Word)]

    init() {
        entries = Word.allCases.map { (Array($0.rawValue.utf8), $0) }
    }

    /// The word `bytes` spell exactly, or nil.
    func word(_ bytes: UnsafeBufferPointer<UInt8>) -> Word? {
        guard let start = bytes.baseAddress else { return nil }
        // Length first, then memcmp: the generic elementsEqual showed in the rebuild's profile.
        return entries.first(where: { entry in
            entry.bytes.count == bytes.count && entry.bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, start, bytes.count) == 0 }
        })?.word
    }
}
