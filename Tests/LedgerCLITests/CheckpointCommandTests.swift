import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger checkpoint` and `ledger verify --checkpoint`, as real processes.
@Suite struct CheckpointCommandTests {
    static func keyPair() async throws -> (seed: String, publicKey: String) {
        let output = try await LedgerBinary.run(["checkpoint", "--generate-key"])
        let lines = output.stdout.split(separator: "\n")
        let seed = String(lines[0].dropFirst("LEDGER_CHECKPOINT_KEY=".count))
        let publicKey = String(lines[1].dropFirst("public key: ".count))
        return (seed, publicKey)
    }

    @Test func aCheckpointIsSignedAndTheLogMustStillExtendIt() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        let (seed, publicKey) = try await Self.keyPair()
        let file = path + ".checkpoint.json"
        let written = try await LedgerBinary.run(["checkpoint", "--db", path, "--out", file], environment: ["LEDGER_CHECKPOINT_KEY": seed])
        #expect(written.status == 0, "\(written.stderr)")
        // The log grows after the checkpoint: it still extends it.
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .completed, delivery: "d1")))
        let verified = try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file, "--public-key", publicKey])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")

        let (_, otherKey) = try await Self.keyPair()
        let wrongSigner = try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file, "--public-key", otherKey])
        #expect(wrongSigner.status == 1 && wrongSigner.stdout.contains("signature does not hold"))

        var forged = try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        forged.count += 1
        try JSONEncoder().encode(forged).write(to: URL(fileURLWithPath: file + ".forged"))
        #expect(try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file + ".forged"]).status == 1, "an edited checkpoint")
    }

    @Test func aRewrittenHistoryContradictsTheCheckpoint() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        let (seed, publicKey) = try await Self.keyPair()
        let file = path + ".checkpoint.json"
        #expect(try await LedgerBinary.run(["checkpoint", "--db", path, "--out", file], environment: ["LEDGER_CHECKPOINT_KEY": seed]).status == 0)
        // Another ledger whose history differs (a rewritten log, internally consistent).
        let other = Fixtures.temporaryDatabasePath()
        _ = try await SQLiteEventStore(path: other).execute(Fixtures.register("j1", cost: 6, externalID: "r1"))
        let output = try await LedgerBinary.run(["verify", "--db", other, "--checkpoint", file, "--public-key", publicKey])
        #expect(output.status == 1 && output.stdout.contains("history was rewritten"), "\(output.stdout)")
        #expect(try await LedgerBinary.run(["checkpoint", "--db", path], environment: ["LEDGER_CHECKPOINT_KEY": "short"]).status == 2)
    }
}
