import Foundation
import GRDB
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger checkpoint`, `ledger prove`, `ledger check-proof` and `ledger
/// verify --checkpoint`, as real processes.
@Suite struct CheckpointCommandTests {
    /// (LEDGER_CHECKPOINT_KEY, the verifier key), from --generate-key.
    static func keyPair(name: String = "audit.example") async throws -> (privateKey: String, verifierKey: String) {
        let output = try await LedgerBinary.run(["checkpoint", "--generate-key", "--key-name", name])
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("LEDGER_CHECKPOINT_KEY=PRIVATE+KEY+\(name)+"), "\(output.stdout)")
        return (String(lines[0].dropFirst("LEDGER_CHECKPOINT_KEY=".count)), String(lines[1].dropFirst("verifier key: ".count)))
    }

    /// A ledger with two jobs, one refunded.
    static func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        _ = try await store.execute(Fixtures.register("j2", cost: 9, externalID: "r2"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r2", .failed, delivery: "d2")))
        await store.close()
        return path
    }

    @Test func aCheckpointIsANoteTheLogMustStillExtend() async throws {
        let path = try await Self.ledger()
        let (privateKey, verifierKey) = try await Self.keyPair()
        let file = path + ".checkpoint"
        let written = try await LedgerBinary.run(["checkpoint", "--db", path, "--out", file], environment: ["LEDGER_CHECKPOINT_KEY": privateKey])
        #expect(written.status == 0, "\(written.stderr)")
        let note = try String(contentsOfFile: file, encoding: .utf8)
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("completion-ledger/") && lines[1] == "5" && lines[5].hasPrefix("\u{2014} audit.example "), "\(note)")
        // The log grows after the checkpoint: it still extends it.
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .completed, delivery: "d1")))
        await store.close()
        let verified = try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file, "--public-key", verifierKey])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stdout.contains("the log extends the checkpoint, signed by --public-key"), "\(verified.stdout)")
        // Without the key the answer says what it did not check, on stdout too (an on-call read only that).
        let unpinned = try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file])
        #expect(unpinned.status == 0 && unpinned.stdout.contains("its signer not checked: pass --public-key"), "\(unpinned.stdout)")
        let (_, otherKey) = try await Self.keyPair()
        let wrongSigner = try await LedgerBinary.run(["verify", "--db", path, "--checkpoint", file, "--public-key", otherKey])
        #expect(wrongSigner.status == 1 && wrongSigner.stdout.contains("signature"), "\(wrongSigner.stdout)")
        #expect(wrongSigner.stdout.contains("a wrong key") && !wrongSigner.stderr.contains("first bad position"),
                "the key is at fault, no position of the log: \(wrongSigner.stdout)\(wrongSigner.stderr)")
        // Another ledger whose history differs (a rewritten log, internally consistent).
        let other = Fixtures.temporaryDatabasePath()
        let rewritten = try SQLiteEventStore(path: other)
        for cost: Int64 in [5, 9, 8, 7, 6] { _ = try await rewritten.execute(Fixtures.register("k\(cost)", cost: cost)) }
        await rewritten.close()
        let contradicted = try await LedgerBinary.run(["verify", "--db", other, "--checkpoint", file, "--public-key", verifierKey])
        #expect(contradicted.status == 1 && contradicted.stdout.contains("history under it was rewritten"), "\(contradicted.stdout)")
        let badKey = try await LedgerBinary.run(["checkpoint", "--db", path], environment: ["LEDGER_CHECKPOINT_KEY": "short"])
        #expect(badKey.status == 2 && badKey.stderr.contains("LEDGER_CHECKPOINT_KEY"), "\(badKey.stderr)")
    }

    /// A ledger of `registrations` jobs and a signed checkpoint over them (a
    /// checkpoint stores the tree's subtrees; the follower waits for 256 new
    /// leaves): its path, the key's environment and `ledger checkpoint`'s output.
    static func checkpointedLedger(registrations: Int) async throws -> (path: String, key: [String: String], checkpoint: LedgerBinary.Output) {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        for index in 0..<registrations { _ = try await store.execute(Fixtures.register("t\(index)", cost: 1)) }
        await store.close()
        let key = ["LEDGER_CHECKPOINT_KEY": try await keyPair().privateKey]
        let checkpoint = try await LedgerBinary.run(["checkpoint", "--db", path], environment: key)
        #expect(checkpoint.status == 0, "\(checkpoint.stderr)")
        return (path, key, checkpoint)
    }

    /// Events removed from the end of a checkpointed log leave a shorter chain
    /// that holds by itself, and a stored tree past it: verify does not call
    /// that tree damage to rebuild over, since the kept signed checkpoint says
    /// the log was longer.
    @Test func eventsRemovedUnderAKeptCheckpointAreNotCalledTreeDamage() async throws {
        let (path, _, _) = try await Self.checkpointedLedger(registrations: 40)
        try await StartupFaultTests.sqlite3(path, "DROP TRIGGER events_refuse_delete; DELETE FROM events WHERE position > 35;")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 1 && verify.stdout.contains("before the newest kept checkpoint's tree size 40: events were removed")
                && !verify.stdout.contains("FAIL tree"), "\(verify.stdout)")
        let doctor = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(!doctor.stdout.contains("rebuild --tree"), "nothing to paste that would erase the witness: \(doctor.stdout)")
    }

    /// A stored tree that lost a subtree (hand-written SQL, a damaged page):
    /// checkpoints refuse, naming the command that rebuilds it from the chain,
    /// and work again after it.
    @Test func aStoredTreeMissingASubtreeIsRebuiltFromTheChain() async throws {
        let (path, key, first) = try await Self.checkpointedLedger(registrations: 40)
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: "DELETE FROM merkle_nodes WHERE level = 5 AND idx = 0") }
        let refused = try await LedgerBinary.run(["checkpoint", "--db", path], environment: key)
        #expect(refused.status != 0 && refused.stderr.contains("ledger rebuild --tree") && !refused.stderr.contains("backup (docs"),
                "derived data: rebuilt, not restored: \(refused.stderr)")
        let found = try await LedgerBinary.run(["verify", "--db", path])
        #expect(found.status == 1 && found.stdout.contains("FAIL tree at position 1: the stored Merkle subtree over positions 1-32 is missing"),
                "\(found.stdout)")
        let rebuilt = try await LedgerBinary.run(["rebuild", "--tree", "--db", path])
        #expect(rebuilt.status == 0 && rebuilt.stdout.contains("rebuilt the stored Merkle tree over 40 events"),
                "\(rebuilt.stdout)\(rebuilt.stderr)")
        let sound = try await LedgerBinary.run(["verify", "--db", path])
        #expect(sound.status == 0 && sound.stdout.contains("the stored Merkle tree hold"), "\(sound.stdout)")
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1")
        }
        let wrong = try await LedgerBinary.run(["verify", "--db", path])
        #expect(wrong.status == 1 && wrong.stdout.contains("FAIL tree at position 17: the stored Merkle subtree over positions 17-32 is not the one the chain gives"),
                "\(wrong.stdout)")
        // The wrong subtree is on position 3's audit path: the proof is checked before it is handed
        // out and refused naming the tree, never sent to fail at the customer's end as a "rewrite".
        let checkpointFile = path + ".checkpoint"
        try first.stdout.write(toFile: checkpointFile, atomically: true, encoding: .utf8)
        let offPath = try await LedgerBinary.run(["prove", "--position", "3", "--checkpoint", checkpointFile, "--db", path])
        #expect(offPath.status == 3 && offPath.stderr.contains("stored Merkle tree is damaged") && offPath.stderr.contains("rebuild --tree"),
                "\(offPath.stdout)\(offPath.stderr)")
        // And one under the checkpoint's root: the root disagrees, and the answer names the tree among the causes.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 5 AND idx = 0")
        }
        let underRoot = try await LedgerBinary.run(["prove", "--position", "35", "--checkpoint", checkpointFile, "--db", path])
        #expect(underRoot.status != 0 && underRoot.stderr.contains("stored Merkle tree is damaged"), "\(underRoot.stdout)\(underRoot.stderr)")
        #expect(try await LedgerBinary.run(["rebuild", "--tree", "--db", path]).status == 0)
        let again = try await LedgerBinary.run(["checkpoint", "--db", path], environment: key)
        #expect(again.status == 0 && again.stdout == first.stdout,
                "the same tree, the same signed root: \(again.stderr)")
        let both = try await LedgerBinary.run(["rebuild", "--tree", "--check", "--db", path])
        #expect(both.status == 2 && both.stderr.contains("give one"), "\(both.stderr)")
    }

    /// A wrong stored subtree that only a consistency proof reads (from tree
    /// size 48 to 64 the path holds the subtree over 49-64, which neither
    /// root reads: 64's root is one stored subtree): the proof is checked
    /// before it is handed out and refused naming the tree.
    @Test func aConsistencyProofOverADamagedSubtreeIsNotHandedOut() async throws {
        let (path, key, first) = try await Self.checkpointedLedger(registrations: 48)
        let old = path + ".old.checkpoint"
        try first.stdout.write(toFile: old, atomically: true, encoding: .utf8)
        let store = try SQLiteEventStore(path: path)
        for index in 0..<16 { _ = try await store.execute(Fixtures.register("later-\(index)", cost: 1)) }
        await store.close()
        #expect(try await LedgerBinary.run(["checkpoint", "--db", path], environment: key).status == 0)
        let sound = try await LedgerBinary.run(["prove", "--consistency", "--from", old, "--db", path])
        #expect(sound.status == 0, "\(sound.stderr)")
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 3")
        }
        let refused = try await LedgerBinary.run(["prove", "--consistency", "--from", old, "--db", path])
        #expect(refused.status == 3 && refused.stdout.isEmpty && refused.stderr.contains("stored Merkle tree is damaged")
                && refused.stderr.contains("consistency proof from tree size 48"), "\(refused.stdout)\(refused.stderr)")
    }

    @Test func aJobsProofAndAConsistencyProofCheckWithTheVerifierKeyAlone() async throws {
        let path = try await Self.ledger()
        let (privateKey, verifierKey) = try await Self.keyPair()
        let key = ["LEDGER_CHECKPOINT_KEY": privateKey]
        let old = path + ".old.checkpoint"
        #expect(try await LedgerBinary.run(["checkpoint", "--db", path, "--out", old], environment: key).status == 0)
        let store = try SQLiteEventStore(path: path)
        for index in 0..<40 { _ = try await store.execute(Fixtures.register("later-\(index)", cost: 1)) }
        await store.close()
        // The old checkpoint covers j2's events: its proof is made against it.
        let job = try await LedgerBinary.run(["prove", "j2", "--db", path], environment: key)
        #expect(job.status == 0, "\(job.stderr)")
        let bundle = try JSONDecoder().decode(InclusionBundle.self, from: Data(job.stdout.utf8))
        #expect(bundle.jobID == "j2" && bundle.proofs.map(\.event?.type) == ["job.registered", "webhook.received", "job.failed", "credit.refunded"],
                "\(job.stdout)")
        let oldNote = try String(contentsOfFile: old, encoding: .utf8)
        #expect(bundle.proofs.allSatisfy { $0.treeSize == 5 } && bundle.checkpoint == oldNote)
        let jobFile = path + ".j2.proof.json"
        try Data(job.stdout.utf8).write(to: URL(fileURLWithPath: jobFile))
        // Checked with nothing but the key: no database, no configuration, from another directory.
        let checked = try await LedgerBinary.run(["check-proof", "--key", verifierKey, jobFile], environment: ["LEDGER_DB": "/nonexistent/x"])
        #expect(checked.status == 0 && checked.stdout.contains("credit.refunded"), "\(checked.stdout)\(checked.stderr)")
        // A job newer than the checkpoint: nothing proven yet, said so (it read as a failed proof).
        // (Without the key: a serve's HTTP read, which never signs, answers the same.)
        let newer = try await LedgerBinary.run(["prove", "later-0", "--db", path])
        let newerFile = path + ".later.proof.json"
        try Data(newer.stdout.utf8).write(to: URL(fileURLWithPath: newerFile))
        let pending = try await LedgerBinary.run(["check-proof", "--key", verifierKey, newerFile])
        #expect(pending.status == 1 && pending.stdout.contains("nothing to check yet") && pending.stdout.contains("after the next checkpoint"),
                "\(newer.stdout)\(pending.stdout)\(pending.stderr)")
        // A file that is no proof at all cannot be read as one: 2, as an unreadable file.
        let notAProof = path + ".not-a-proof.json"
        try Data(#"{"hello": "world"}"#.utf8).write(to: URL(fileURLWithPath: notAProof))
        #expect(try await LedgerBinary.run(["check-proof", "--key", verifierKey, notAProof]).status == 2)
        // No checkpoint reaches the head: prove --consistency signs one first (the key is set).
        let consistency = try await LedgerBinary.run(["prove", "--consistency", "--from", old, "--db", path], environment: key)
        #expect(consistency.status == 0, "\(consistency.stderr)")
        let extended = try JSONDecoder().decode(ConsistencyBundle.self, from: Data(consistency.stdout.utf8))
        #expect(extended.firstSize == 5 && extended.secondSize == 45, "\(consistency.stdout)")
        let consistencyFile = path + ".consistency.json"
        try Data(consistency.stdout.utf8).write(to: URL(fileURLWithPath: consistencyFile))
        #expect(try await LedgerBinary.run(["check-proof", "--key", verifierKey, consistencyFile]).status == 0)
        // What the auditor kept: the proof starts from that very tree, of the log of that name.
        let origin = try LogProofs.read(oldNote).origin
        let fromKept = try await LedgerBinary.run(["check-proof", "--key", verifierKey, "--origin", origin, "--from", old, consistencyFile])
        #expect(fromKept.status == 0 && fromKept.stdout.contains("the one your checkpoint signs"), "\(fromKept.stdout)")
        let newerKept = path + ".newer.checkpoint"
        try Data(extended.checkpoint.utf8).write(to: URL(fileURLWithPath: newerKept))
        let otherStart = try await LedgerBinary.run(["check-proof", "--key", verifierKey, "--from", newerKept, consistencyFile])
        #expect(otherStart.status == 1 && otherStart.stdout.contains("ledger prove --consistency --from YOUR_CHECKPOINT"), "\(otherStart.stdout)")
        let otherLog = try await LedgerBinary.run(["check-proof", "--key", verifierKey, "--origin", "staging.example/other", jobFile])
        #expect(otherLog.status == 1 && otherLog.stdout.contains("not staging.example/other"), "\(otherLog.stdout)")
        #expect(try await LedgerBinary.run(["check-proof", "--key", verifierKey, "--from", path + ".missing", jobFile]).status == 2)
        // The verifier key of the configured key, printed again (its --generate-key output lost).
        let published = try await LedgerBinary.run(["checkpoint", "--verifier-key"], environment: key)
        #expect(published.status == 0 && published.stdout == "verifier key: \(verifierKey)\n", "\(published.stdout)\(published.stderr)")
        let position = try await LedgerBinary.run(["prove", "--position", "3", "--db", path])
        #expect(position.status == 0 && position.stdout.contains("\"leaf_index\" : 2"), "\(position.stdout)\(position.stderr)")

        // Refused: a changed audit path element, another key, a note signed by another key, a proof for another size.
        let altered = job.stdout.replacingOccurrences(of: bundle.proofs[0].auditPath[0], with: String(repeating: "a", count: 64))
        try await Self.expectRefused(altered, verifierKey, "a changed audit path element")
        let (otherPrivate, otherVerifier) = try await Self.keyPair()
        try await Self.expectRefused(job.stdout, otherVerifier, "another key")
        let forgedNote = try await LedgerBinary.run(["checkpoint", "--db", path], environment: ["LEDGER_CHECKPOINT_KEY": otherPrivate])
        var forged = bundle
        forged.checkpoint = forgedNote.stdout
        try await Self.expectRefused(String(decoding: try JSONEncoder.proofs.encode(forged), as: UTF8.self), verifierKey, "a note by another key")
        var otherSize = bundle
        otherSize.checkpoint = extended.checkpoint
        try await Self.expectRefused(String(decoding: try JSONEncoder.proofs.encode(otherSize), as: UTF8.self), verifierKey,
                                     "a proof for another tree size")
        let signatureFlipped = bundle.checkpoint.replacingOccurrences(of: "\n5\n", with: "\n4\n")
        var edited = bundle
        edited.checkpoint = signatureFlipped
        try await Self.expectRefused(String(decoding: try JSONEncoder.proofs.encode(edited), as: UTF8.self), verifierKey, "an edited note")

        // Bad input: unreadable files and keys are usage errors.
        #expect(try await LedgerBinary.run(["check-proof", "--key", "nonsense", jobFile]).status == 2)
        #expect(try await LedgerBinary.run(["check-proof", "--key", verifierKey, path + ".missing"]).status == 2)
        // A job or position the log does not hold is "not found", as for replay: exit 1.
        #expect(try await LedgerBinary.run(["prove", "nobody", "--db", path]).status == 1)
        // Past the head, with the key set and the head past the newest checkpoint: refused before signing one.
        let grown = try SQLiteEventStore(path: path)
        _ = try await grown.execute(Fixtures.register("one-more", cost: 1))
        let checkpoints = { () async throws -> Int in try await grown.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM tree_checkpoints") ?? 0 } }
        let before = try await checkpoints()
        let past = try await LedgerBinary.run(["prove", "--position", "9999", "--db", path], environment: key)
        #expect(past.status == 1 && past.stderr.contains("the log ends at 46"), "\(past.stderr)")
        #expect(try await checkpoints() == before, "a refused prove signs no checkpoint")
        await grown.close()
        #expect(try await LedgerBinary.run(["prove", "--consistency", "--db", path]).status == 2)
    }

    /// A checkpoint key rotated: proofs are made against a checkpoint the new
    /// key signed (customers hold only its verifier key), and a consistency proof
    /// from the old key's checkpoint checks with both keys given.
    @Test func aRotatedCheckpointKeyProvesAcrossTheRotation() async throws {
        let path = try await Self.ledger()
        let (oldPrivate, oldVerifier) = try await Self.keyPair()
        let (newPrivate, newVerifier) = try await Self.keyPair()
        let november = path + ".november.checkpoint"
        #expect(try await LedgerBinary.run(["checkpoint", "--db", path, "--out", november],
                                           environment: ["LEDGER_CHECKPOINT_KEY": oldPrivate]).status == 0)
        // Nothing appended since: the newest checkpoint reaches the job, but the new key did not sign it.
        let job = try await LedgerBinary.run(["prove", "j2", "--db", path], environment: ["LEDGER_CHECKPOINT_KEY": newPrivate])
        let jobFile = path + ".j2.proof.json"
        try Data(job.stdout.utf8).write(to: URL(fileURLWithPath: jobFile))
        let checked = try await LedgerBinary.run(["check-proof", "--key", newVerifier, jobFile])
        #expect(checked.status == 0, "the new key's customers check it: \(checked.stdout)\(checked.stderr)")
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("after-rotation", cost: 1))
        await store.close()
        let consistency = try await LedgerBinary.run(["prove", "--consistency", "--from", november, "--db", path],
                                                     environment: ["LEDGER_CHECKPOINT_KEY": newPrivate])
        let file = path + ".rotation.json"
        try Data(consistency.stdout.utf8).write(to: URL(fileURLWithPath: file))
        let both = try await LedgerBinary.run(["check-proof", "--key", oldVerifier, "--key", newVerifier, file])
        #expect(both.status == 0, "\(both.stdout)\(both.stderr)")
        let newOnly = try await LedgerBinary.run(["check-proof", "--key", newVerifier, file])
        #expect(newOnly.status == 1 && newOnly.stdout.contains("FAIL first checkpoint"), "\(newOnly.stdout)")
    }

    /// serve with a key signs a checkpoint once it listens and again after the
    /// log grows; the proof served over HTTP checks with the verifier key.
    @Test func serveSignsCheckpointsAndServesProofs() async throws {
        let path = try await Self.ledger()
        let (privateKey, verifierKey) = try await Self.keyPair()
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(
            ["--db", path, "--port", String(port)], port: port,
            environment: ["LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_CHECKPOINT_KEY": privateKey,
                          "LEDGER_CHECKPOINT_INTERVAL": "1s", "LEDGER_ORIGIN": "ledger.example/proofs"])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let auditor = ["-H", "Authorization: Bearer auditor-key-0123456789abcd"]
        let body = #"{"job_id":"j9","account":"a","provider":"replicate","operation":"o","cost":4}"#
        _ = try await ServeProcessTests.curl(["-X", "POST", base + "/v1/jobs", "-H", "Authorization: Bearer app-key-0123456789abcdef",
                                              "-H", "content-type: application/json", "-d", body])
        var proof = ""
        for _ in 0..<100 {
            proof = try await ServeProcessTests.curl(auditor + [base + "/v1/jobs/j9/proof"]).output
            if proof.contains("\"proofs\""), !proof.contains("not_yet_checkpointed") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let note = try await ServeProcessTests.curl(auditor + [base + "/v1/checkpoint"]).output
        #expect(note.hasPrefix("ledger.example/proofs\n6\n"), "the checkpoint after the job's registration: \(note)")
        let file = path + ".served.proof.json"
        try Data(proof.utf8).write(to: URL(fileURLWithPath: file))
        let checked = try await LedgerBinary.run(["check-proof", "--key", verifierKey, file])
        #expect(checked.status == 0, "\(proof)\n\(checked.stdout)")
        #expect(try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/v1/jobs/j9/proof"]).output == "401")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }

    static func expectRefused(_ json: String, _ verifierKey: String, _ what: String) async throws {
        let file = Fixtures.temporaryDatabasePath() + ".proof.json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: file))
        let output = try await LedgerBinary.run(["check-proof", "--key", verifierKey, file])
        #expect(output.status == 1 && output.stdout.contains("FAIL"), "\(what): \(output.stdout)\(output.stderr)")
    }
}
