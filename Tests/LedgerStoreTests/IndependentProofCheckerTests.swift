import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The ledger's proofs and signed notes checked by Go's transparency-log
/// packages (`golang.org/x/mod/sumdb/tlog` and `sumdb/note`), which nobody
/// here wrote: Tools/proof-checker, built offline in GOPATH mode (`.ci/run`
/// installs golang-go and golang-golang-x-mod-dev).
@Suite(.serialized) struct IndependentProofCheckerTests {
    @Test func goChecksEveryJobsProofAndEveryConsistencyProof() async throws {
        let checker = try await GoProofChecker.shared()
        let signer = try NoteSigner.generate(name: "ledger.example/proofs")
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let proofs = LogProofs(store)
        var notes: [String] = []
        for round in 0..<6 {
            for index in 0..<(round * 7 + 3) {
                let job = "job-\(round)-\(index)"
                _ = try await store.execute(Fixtures.register(job, cost: 3, externalID: "x-\(job)"))
                if index % 3 == 0 { _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-\(job)", .failed, delivery: "d-\(job)"))) }
            }
            notes.append(try await proofs.checkpoint(signer: signer, origin: nil))
        }
        let last = notes[notes.count - 1]
        for round in 0..<6 {
            for index in [0, 1] {
                let bundle = try await proofs.proveJob("job-\(round)-\(index)", against: last)
                try await checker.expect(holds: true, bundle, signer.verifierKey, "job-\(round)-\(index)")
            }
        }
        for (first, second) in [(0, 5), (1, 2), (2, 5), (4, 5), (3, 3)] {
            let older = try LogProofs.read(notes[first])
            let bundle = try await proofs.proveConsistency(fromSize: older.size, root: older.root, firstNote: notes[first], to: notes[second])
            try await checker.expect(holds: true, bundle, signer.verifierKey, "\(older.size) -> \(try LogProofs.read(notes[second]).size)")
        }
        let head = try await store.head().position
        for position in [1, 2, head / 2, head - 1, head] {
            try await checker.expect(holds: true, try await proofs.provePosition(position, against: last), signer.verifierKey, "position \(position)")
        }

        // Refused by Go: a changed audit path element, another key, another tree size, a changed consistency path.
        let bundle = try await proofs.proveJob("job-2-1", against: last)
        var altered = bundle
        altered.proofs[0].auditPath[1] = String(repeating: "0", count: 64)
        try await checker.expect(holds: false, altered, signer.verifierKey, "a changed audit path element")
        try await checker.expect(holds: false, bundle, try NoteSigner.generate(name: "ledger.example/proofs").verifierKey, "another key")
        var otherSize = bundle
        otherSize.checkpoint = notes[4]
        try await checker.expect(holds: false, otherSize, signer.verifierKey, "a proof for another tree size")
        let older = try LogProofs.read(notes[1])
        var consistency = try await proofs.proveConsistency(fromSize: older.size, root: older.root, firstNote: notes[1], to: last)
        consistency.path[0] = String(repeating: "f", count: 64)
        try await checker.expect(holds: false, consistency, signer.verifierKey, "a changed consistency path")
        await store.close()
    }

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
        // Keys whose base64 holds '+' and '/', in 50 random keys.
        for _ in 0..<50 {
            let signer = try NoteSigner.generate(name: "k")
            let reread = try NoteSigner(privateKey: signer.privateKey)
            #expect(reread.verifierKey == signer.verifierKey)
        }
    }
}

/// Tools/proof-checker, built once per test run.
actor GoProofChecker {
    static let instance = GoProofChecker()
    private var built: String?

    static func shared() async throws -> GoProofChecker {
        try await instance.build()
        return instance
    }

    private func build() async throws {
        guard built == nil else { return }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tools/proof-checker/main.go").path
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("proof-checker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let binary = folder + "/proof-checker"
        let environment = ["GOPATH": "/usr/share/gocode", "GO111MODULE": "off", "GOCACHE": folder + "/cache",
                           "HOME": folder, "PATH": "/usr/lib/go/bin:/usr/bin:/bin"]
        let (status, output) = try await Self.execute(["/usr/bin/env", "go", "build", "-o", binary, source], environment: environment)
        guard status == 0 else {
            throw ConformanceFailure("building Tools/proof-checker failed (install golang-go and golang-golang-x-mod-dev; .ci/run does): \(output)")
        }
        built = binary
    }

    func run(_ arguments: [String], input: String? = nil) async throws -> String {
        guard let built else { throw ConformanceFailure("not built") }
        let (status, output) = try await Self.execute([built] + arguments, input: input)
        guard status == 0 else { throw ConformanceFailure("proof-checker \(arguments.first ?? ""): \(output)") }
        return output
    }

    /// Checks `bundle` with Go: `holds` says whether it must pass or be refused.
    func expect(holds: Bool, _ bundle: some Encodable, _ verifierKey: String, _ what: String) async throws {
        guard let built else { throw ConformanceFailure("not built") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("proof-\(UUID().uuidString).json").path
        try JSONEncoder.proofs.encode(bundle).write(to: URL(fileURLWithPath: file))
        let (status, output) = try await Self.execute([built, "check", verifierKey, file])
        #expect(status == (holds ? 0 : 1), "\(what): Go says \(output)")
    }

    static func execute(_ arguments: [String], input: String? = nil,
                        environment: [String: String]? = nil) async throws -> (Int32, String) {
        try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            if let environment { process.environment = environment }
            let output = Pipe(), stdin = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = stdin
            try process.run()
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try stdin.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}
