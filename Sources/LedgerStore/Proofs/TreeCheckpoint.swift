import Foundation

/// A checkpoint of the log's Merkle tree (c2sp.org/tlog-checkpoint), the
/// text a signed note carries:
///
/// ```
/// completion-ledger/3f2a9c0e51b7d4a8
/// 1048576
/// 2r0bXm0dOPx0rv1Pxr6a8lNhcuGC6SHeu4Y27VE+NNQ=
/// chain-head 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
/// ```
///
/// The origin names the log, then the tree size in decimal, the root hash in
/// standard base64, and extension lines: here the chain hash of the event at
/// position `size`, so a checkpoint also pins the chain (§2) where it ends.
public struct TreeCheckpoint: Sendable, Hashable {
    public var origin: String
    public var size: Int64
    public var root: MerkleHash
    public var extensions: [String]

    public init(origin: String, size: Int64, root: MerkleHash, chainHead: String? = nil) {
        self.origin = origin
        self.size = size
        self.root = root
        extensions = chainHead.map { ["chain-head \($0)"] } ?? []
    }

    /// The body a note signs.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Reads a checkpoint's text (a note's, already opened).
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("not a checkpoint: its text does not end with a newline") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        guard lines.count >= 3, !lines[0].isEmpty else {
            throw NoteError("not a checkpoint: expected an origin, a tree size and a root hash, one per line")
        }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw NoteError("not a checkpoint: its tree size \(lines[1].debugDescription) is not a decimal number")
        }
        guard let root = MerkleHash(base64: lines[2]) else {
            throw NoteError("not a checkpoint: its root \(lines[2].debugDescription) is not the base64 of 32 bytes")
        }
        origin = lines[0]
        self.size = size
        self.root = root
        extensions = Array(lines.dropFirst(3))
    }

    /// Signs it as a note.
    public func signed(by signer: NoteSigner) throws(NoteError) -> String {
        try signer.sign(text)
    }

    /// Opens a signed checkpoint note with `verifier`.
    public static func open(_ note: String, verifier: NoteVerifier) throws(NoteError) -> TreeCheckpoint {
        try TreeCheckpoint(text: SignedNote.open(note, verifier: verifier))
    }

    /// The default origin of a log: a stable name from its first event's chain
    /// hash (the same log, exported and imported elsewhere, keeps it).
    public static func defaultOrigin(firstEventHash: String) -> String {
        "completion-ledger/" + firstEventHash.prefix(16)
    }
}
