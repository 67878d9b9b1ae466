import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The ledger's signed notes and keys against Go's `sumdb/note`, which
/// nobody here wrote (Tools/proof-checker; the proofs themselves are checked
/// by Go in the engines' conformance: "every proof checks with Go's sumdb/tlog").
@Suite(.serialized) struct IndependentProofCheckerTests {
    /// Keys and notes both ways: Go opens the ledger's notes with the ledger's
    /// verifier key, and the ledger signs with a key Go generated and opens
    /// Go's notes with Go's verifier key.
    @Test func notesAndKeysAgreeWithGosSignedNotes() async throws {
        let checker = try await GoProofChecker.shared()
        let text = "completion-ledger/0123456789abcdef\n42\n\(MerkleHash.empty.base64)\nchain-head \(String(repeating: "a", count: 64))\n"
        let generated = try await checker.run(["genkey", "go.example/key"]).split(separator: "\n").map(String.init)
        let fromGo = try NoteSigner(privateKey: generated[0])
        #expect(fromGo.verifierKey == generated[1], "the verifier key derived here is Go's")
        let goNote = try await checker.run(["sign", generated[0]], input: text)
        #expect(try SignedNote.open(goNote, verifier: NoteVerifier(verifierKey: generated[1])) == text)
        #expect(try fromGo.sign(text) == goNote, "Ed25519 is deterministic: the same note byte for byte")
        // An altered note or signature is refused here as by Go.
        let altered = goNote.replacingOccurrences(of: "\n42\n", with: "\n43\n")
        #expect(throws: NoteError.self) { try SignedNote.open(altered, verifier: NoteVerifier(verifierKey: generated[1])) }
        #expect(throws: NoteError.self) { try SignedNote.open(goNote, verifier: try NoteSigner.generate(name: "go.example/key").verifier) }
        // Keys whose base64 holds '+' and '/', in 50 random keys.
        for _ in 0..<50 {
            let signer = try NoteSigner.generate(name: "k")
            let reread = try NoteSigner(privateKey: signer.privateKey)
            #expect(reread.verifierKey == signer.verifierKey)
        }
    }
}

