import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger checkpoint`: a signed statement of the log's head, for an auditor
/// to keep outside the server; `ledger verify --checkpoint FILE`
/// proves the log still extends it.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Write the chain head, position and count, signed with an Ed25519 key.",
        discussion: """
            The key is LEDGER_CHECKPOINT_KEY: the base64 of a 32-byte Ed25519 seed
            (--generate-key prints a new one and its public key). The checkpoint is JSON
            on stdout (or --out FILE); keep it, and the public key, away from the server.

            Example:
              ledger checkpoint --out /audit/ledger-$(date +%F).checkpoint.json
              ledger verify --checkpoint /audit/ledger-2026-11-23.checkpoint.json \\
                  --public-key BASE64
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @Option(help: "Write the checkpoint here instead of stdout (an existing file only with --force).") var out: String?
    @Flag(help: "Overwrite the --out file if it exists.") var force = false
    @Flag(help: "Print a new signing key (LEDGER_CHECKPOINT_KEY) and its public key, and exit.") var generateKey = false

    func run() async throws {
        if generateKey {
            let key = Checkpoint.generateKey()
            writeOut("LEDGER_CHECKPOINT_KEY=\(key.seed)\npublic key: \(key.publicKey)")
            return
        }
        let configuration = try database.configuration(file: configurationOption.config)
        guard let key = configuration.checkpointKey else {
            throw CommandFailure(.usage, "LEDGER_CHECKPOINT_KEY: not set; it signs checkpoints (ledger checkpoint --generate-key makes one)")
        }
        try await configuration.withExisting { store in
            let (head, count) = try await storeCall { () async throws(StoreError) in try await store.headAndCount() }
            let checkpoint = try Checkpoint.sign(head: head, count: count, at: Timestamp(Date()), key: key)
            let json = encodePretty(checkpoint)
            if let out {
                try OutputFile.write(Data((json + "\n").utf8), to: out, force: force)
                FileHandle.standardError.write(Data("checkpoint at position \(head.position) written to \(out)\n".utf8))
            } else {
                writeOut(json)
            }
        }
    }
}
