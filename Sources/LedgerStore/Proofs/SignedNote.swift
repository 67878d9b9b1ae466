import Foundation

/// A C2SP signed note (c2sp.org/signed-note): a text ending with a newline,
/// a blank line, then one line per signature, `— <key name> <base64(4-byte
/// key id || signature)>`. The text is everything before the last blank line.
public enum SignedNote {
    /// The note's text, once a signature by `verifier` holds over it.
    /// Signatures by other keys are ignored (a note may carry a witness's).
    public static func open(_ note: String, verifier: NoteVerifier) throws(NoteError) -> String {
        let (text, signatures) = try split(note)
        var named = false
        for line in signatures {
            guard line.hasPrefix("\u{2014} ") else { throw NoteError("a signature line must start with \"— \": \(line.debugDescription)") }
            let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 2, let bytes = Data(base64Encoded: String(fields[1])), bytes.count > 4 else {
                throw NoteError("a signature line must be \"— <key name> <base64 signature>\": \(line.debugDescription)")
            }
            let id = NoteKeyName.id(bytes)
            guard fields[0] == verifier.name, id == verifier.keyID else { continue }
            named = true
            if verifier.verifies(Array(bytes.dropFirst(4)), of: text) { return text }
        }
        throw NoteError(named ? "the note's signature by \(verifier.name) does not hold: the note was altered or signed by another key"
                              : "the note carries no signature by the key \(verifier.name)+\(NoteKeyName.hex(verifier.keyID))")
    }

    /// The text a note signs, without checking any signature (to read a
    /// checkpoint's size before the key is at hand).
    public static func unverifiedText(_ note: String) throws(NoteError) -> String {
        try split(note).text
    }

    static func split(_ note: String) throws(NoteError) -> (text: String, signatures: [String]) {
        guard let blank = note.range(of: "\n\n", options: .backwards) else {
            throw NoteError("not a signed note: no blank line before the signatures")
        }
        let text = String(note[..<blank.lowerBound]) + "\n"
        let rest = note[blank.upperBound...]
        guard rest.hasSuffix("\n") else { throw NoteError("not a signed note: its last signature line does not end with a newline") }
        try checkText(text)
        let signatures = rest.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard !signatures.isEmpty, !signatures.contains(where: \.isEmpty) else { throw NoteError("not a signed note: no signature") }
        return (text, signatures)
    }

    /// A note's text: ends with a newline, holds no blank line and no control characters but newlines.
    static func checkText(_ text: String) throws(NoteError) {
        guard text.hasSuffix("\n"), !text.contains("\n\n") else {
            throw NoteError("a note's text must end with a newline and hold no blank line")
        }
        guard !text.unicodeScalars.contains(where: { $0 != "\n" && ($0.value < 0x20 || $0.value == 0x7F) }) else {
            throw NoteError("a note's text must hold no control characters")
        }
    }
}
