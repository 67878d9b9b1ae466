import ArgumentParser
import Foundation
import LedgerStore

/// `ledger verify`.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the hash chain, the immutability triggers and the refund invariants.",
        discussion: """
            Recomputes every hash from the rows, checks that positions have no gap, that
            the triggers refusing UPDATE and DELETE are the shipped ones, and the ledger's
            rules (one terminal outcome, refunds exactly once, balances); once the chain
            holds, recomputes the stored Merkle tree (what proofs and checkpoints are made
            from) from it. Names the first bad position; exit 1 when anything is wrong.

            Example:
              ledger verify --db ./ledger.sqlite --format json
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "text or json.") var format = OutputFormat.text
    @Option(help: "A checkpoint written by `ledger checkpoint`: the log must still extend it.") var checkpoint: String?
    @Option(help: "The key the checkpoint must be signed with: a verifier key (name+id+key) for a note, the base64 public key for an older JSON checkpoint.")
    var publicKey: String?

    /// The engine's verify (the chain, the guards, the invariants), then the
    /// stored Merkle tree against the chain once the chain holds: what
    /// `verify` reports and `doctor` lists.
    static func chainAndTree(_ store: any LedgerEngine, progress: @escaping @Sendable (Int64) -> Void) async throws -> VerificationReport {
        var report = try await storeCall { () async throws(StoreError) in try await store.verify(progress: progress) }
        guard let head = report.head else { return report }
        let tree = LogTree(storage: store)
        guard let finding = try await storeCall({ () async throws(StoreError) in
            try await tree.storedTreeFinding(verified: head.position) { () async throws(StoreError) in try await store.head().position }
        }) else { return report }
        report.findings.append(try await signedRootWitness(store, tree, head: head.position) ?? finding)
        return report
    }

    /// A stored tree that disagrees with the chain is damaged derived data,
    /// unless the chain no longer gives the root the newest kept checkpoint
    /// signed: then the history under it was rewritten (its hashes made
    /// consistent again), the stored tree may be the last witness of the
    /// original, and rebuilding it would erase that. Nil when no kept
    /// checkpoint contradicts the chain.
    private static func signedRootWitness(_ store: any LedgerEngine, _ tree: LogTree, head: Int64) async throws -> VerificationReport.Finding? {
        guard let note = try await storeCall({ () async throws(StoreError) in try await store.newestCheckpoint() }),
              let checkpoint = try? LogProofs.read(note) else { return nil }
        guard checkpoint.size <= head else {
            return .init(check: "checkpoint", position: nil,
                         detail: "the log ends at \(head), before the newest kept checkpoint's tree size \(checkpoint.size): events were "
                             + "removed. Keep this database as it is; compare it with a backup (docs/runbooks.md)")
        }
        let chainRoot = try await storeCall { () async throws(StoreError) in try await tree.chainRoot(size: checkpoint.size) }
        guard chainRoot != checkpoint.root else { return nil }
        return .init(check: "checkpoint", position: nil,
                     detail: "the chain does not give the root the newest kept checkpoint (tree size \(checkpoint.size)) signed: "
                         + "history under it was rewritten. Keep this database as it is: do not run `ledger rebuild --tree` "
                         + "(the stored Merkle tree may still hold the original hashes); compare it with a backup (docs/runbooks.md)")
    }

    func run() async throws {
        let configuration = try database.configuration()
        try await configuration.withExisting { store in
            var report = try await Self.chainAndTree(store, progress: reportProgress("verify"))
            if let checkpoint {
                report.findings += try await checkpointFindings(checkpoint, store)
            }
            switch format {
            case .json: writeOut(encodePretty(report))
            case .text:
                if let head = report.head {
                    writeOut("checked \(report.eventsChecked) events; head position \(head.position) hash \(head.hash)")
                } else {
                    let broken = report.findings.first { $0.check == "chain" }?.position.map { " at position \($0)" } ?? ""
                    writeOut("checked \(report.eventsChecked) events; the chain breaks\(broken)")
                }
                if report.retentionRuns > 0 {
                    writeOut("\(report.redactedBodies) webhook bodies redacted by \(report.retentionRuns) retention run"
                             + (report.retentionRuns == 1 ? "" : "s") + ", each checked against its run's digest: redacted, not broken")
                }
                for finding in report.findings {
                    writeOut("FAIL \(finding.check)" + (finding.position.map { " at position \($0)" } ?? "") + ": \(finding.detail)")
                }
            }
            guard report.isSound else {
                let first = report.firstBadPosition.map { "; first bad position \($0)" } ?? ""
                throw CommandFailure(.checkFailed, "verification failed\(first)")
            }
            if format == .text {
                writeOut("ok: chain, triggers, invariants and the stored Merkle tree hold"
                         + (checkpoint == nil ? "" : "; the log extends the checkpoint"
                            + (publicKey == nil ? " (its signer not checked: pass --public-key)" : ", signed by --public-key")))
            }
        }
    }

    private func checkpointFindings(_ path: String, _ store: any LedgerEngine) async throws -> [VerificationReport.Finding] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure(.usage, "\(path): cannot be read") }
        if let note = String(data: data, encoding: .utf8), let tree = try? LogProofs.read(note) {
            return try await noteFindings(note, tree, store)
        }
        guard let checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: data) else {
            throw CommandFailure(.usage, "\(path) is not a checkpoint written by ledger checkpoint")
        }
        guard checkpoint.isSigned(by: publicKey) else {
            // The checkpoint's, not the log's: no position of the log is bad.
            return [.init(check: "checkpoint", position: nil,
                          detail: "the signature of the checkpoint at position \(checkpoint.position) does not hold"
                            + (publicKey == nil ? "" : " for --public-key (a wrong key, or an altered checkpoint)"))]
        }
        if publicKey == nil {
            FileHandle.standardError.write(Data("verify: the checkpoint's signature was checked against the key inside it; pass --public-key to pin the signer\n".utf8))
        }
        let contradiction = try await storeCall { () async throws(StoreError) in try await store.contradiction(of: checkpoint) }
        return contradiction.map { [.init(check: "checkpoint", position: checkpoint.position, detail: $0)] } ?? []
    }

    /// A checkpoint note: its signature by --public-key, then the log's root at its size.
    private func noteFindings(_ note: String, _ tree: TreeCheckpoint, _ store: any LedgerEngine) async throws -> [VerificationReport.Finding] {
        if let publicKey {
            let verifier: NoteVerifier
            do { verifier = try NoteVerifier(verifierKey: publicKey) } catch { throw CommandFailure(.usage, "--public-key: \(error)") }
            do { _ = try SignedNote.open(note, verifier: verifier) } catch {
                return [.init(check: "checkpoint", position: nil,
                              detail: "the signature of the checkpoint of tree size \(tree.size) does not hold for --public-key "
                                + "(a wrong key, or an altered checkpoint): \(error)")]
            }
        } else {
            FileHandle.standardError.write(Data("verify: the checkpoint's signature was not checked; pass --public-key VERIFIER_KEY to check it\n".utf8))
        }
        let contradiction = try await proofCall { try await LogProofs(store).contradiction(of: note) }
        return contradiction.map { [.init(check: "checkpoint", position: tree.size, detail: $0)] } ?? []
    }
}
