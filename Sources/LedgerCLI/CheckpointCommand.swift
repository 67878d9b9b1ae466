import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger checkpoint`: a signed note of the log's Merkle tree (C2SP
/// tlog-checkpoint), for an auditor or a customer to keep outside the
/// server; `ledger prove` proves events and later checkpoints against it.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a checkpoint of the log's Merkle tree (a C2SP signed note) and keep it.",
        discussion: """
            The key is LEDGER_CHECKPOINT_KEY (--generate-key prints a new one and the
            verifier key to give to whoever checks). The note is kept in the ledger
            (ledger prove and GET /v1/checkpoint use the newest) and printed on stdout
            (or written to --out FILE); keep copies away from the server.

            Example:
              ledger checkpoint --out /audit/ledger-$(date +%F).checkpoint
              ledger prove --consistency --from /audit/2026-11-23.checkpoint >p.json
              ledger check-proof --key "$VERIFIER_KEY" p.json
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @Option(help: "Write the checkpoint here instead of stdout (an existing file only with --force).") var out: String?
    @Flag(help: "Overwrite the --out file if it exists.") var force = false
    @Flag(help: "Print a new signing key (LEDGER_CHECKPOINT_KEY) and its verifier key, and exit.") var generateKey = false
    @Option(help: "With --generate-key: the key's name (no spaces or '+').") var keyName = "completion-ledger"
    @Flag(help: "Print the verifier key of the configured LEDGER_CHECKPOINT_KEY (to publish it again), and exit.")
    var verifierKey = false

    func validate() throws {
        if generateKey, verifierKey { throw ValidationError("give --generate-key or --verifier-key, not both") }
    }

    func run() async throws {
        if generateKey {
            let signer: NoteSigner
            do { signer = try NoteSigner.generate(name: keyName) } catch { throw CommandFailure(.usage, "--key-name: \(error)") }
            writeOut("LEDGER_CHECKPOINT_KEY=\(signer.privateKey)\nverifier key: \(signer.verifierKey)")
            return
        }
        let configuration = try database.configuration(file: configurationOption.config)
        guard let signer = configuration.checkpointSigner else {
            throw CommandFailure(.usage, "LEDGER_CHECKPOINT_KEY: not set; it signs checkpoints (ledger checkpoint --generate-key makes one)")
        }
        if verifierKey {
            // A key whose --generate-key output was lost, or a bare seed from an earlier version.
            writeOut("verifier key: \(signer.verifierKey)")
            return
        }
        try await configuration.withExisting { store in
            let note = try await proofCall { try await LogProofs(store).checkpoint(signer: signer, origin: configuration.logOrigin) }
            if let out {
                try OutputFile.write(Data(note.utf8), to: out, force: force)
                let size = (try? LogProofs.read(note).size).map(String.init) ?? "?"
                FileHandle.standardError.write(Data("checkpoint of tree size \(size) written to \(out)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(note.utf8))
            }
        }
    }
}

/// Runs a proof's work, its failures as command failures with their exit codes.
func proofCall<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let failure as ProofFailure {
        switch failure {
        // Not found is a check that failed, as `replay`'s unknown job (docs/decisions.md).
        case .notExtended, .unknownJob, .noEvent: throw CommandFailure(.checkFailed, failure.description)
        case .noCheckpoint, .unreadable: throw CommandFailure(.usage, failure.description)
        }
    } catch let error as StoreError {
        throw CommandFailure(error)
    } catch let error as NoteError {
        throw CommandFailure(.usage, error.description)
    }
}
