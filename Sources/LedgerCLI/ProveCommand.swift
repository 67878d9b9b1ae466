import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger prove`: inclusion proofs of a job's events or of one position,
/// and consistency proofs between checkpoints, as JSON that `ledger
/// check-proof` (or any RFC 9162 and C2SP tool) checks with the verifier key.
struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Prove a job's events, one position, or that the log extends an older checkpoint.",
        discussion: """
            Proofs are made against the newest checkpoint kept in the ledger (a new one is
            signed first when LEDGER_CHECKPOINT_KEY is set and the newest does not cover
            what is asked: the job's last event, the position, or for --consistency the
            log's head), or against --checkpoint FILE's tree size.

            Examples:
              ledger prove job_42 > job_42.proof.json
              ledger prove --position 1234
              ledger prove --consistency --from /audit/ledger-2026-11-23.checkpoint
              ledger check-proof --key "$VERIFIER_KEY" job_42.proof.json
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var configurationOption: ConfigurationOption
    @Argument(help: "The job whose every event to prove.") var jobID: String?
    @Option(help: "Prove the one event at this position instead.") var position: Int64?
    @Flag(help: "Prove that the log extends the checkpoint given with --from.") var consistency = false
    @Option(help: "With --consistency: an older checkpoint (a note written by ledger checkpoint).") var from: String?
    @Option(help: "Prove against this checkpoint file instead of the newest kept.") var checkpoint: String?

    func validate() throws {
        let modes = [jobID != nil, position != nil, consistency].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give one of JOB_ID, --position N or --consistency --from OLD") }
        if consistency, from == nil { throw ValidationError("--consistency needs --from OLD_CHECKPOINT") }
        if !consistency, from != nil { throw ValidationError("--from goes with --consistency") }
    }

    func run() async throws {
        let configuration = try database.configuration(file: configurationOption.config)
        let given = try checkpoint.map { try Self.readNote($0) }
        let old = try from.map { try Self.readNote($0) }
        try await configuration.withExisting { store in
            let proofs = LogProofs(store)
            let json: Data = try await proofCall {
                var reaching = position ?? 0
                // Checked before a checkpoint is signed for it: a refused command stores nothing.
                if let position {
                    let head = try await store.head().position
                    guard position >= 1, position <= head else { throw ProofFailure.noEvent(position: position, headPosition: head) }
                }
                if let jobID { reaching = try await store.events(inStream: StreamName.job(jobID)).last?.position ?? 0 }
                if consistency { reaching = try await store.head().position }
                var note = given ?? ""
                if given == nil {
                    note = try await proofs.newestCheckpoint(reaching: reaching, signer: configuration.checkpointSigner,
                                                             origin: configuration.logOrigin)
                }
                if let jobID { return try JSONEncoder.proofs.encode(try await proofs.proveJob(jobID, against: note)) }
                if let position { return try JSONEncoder.proofs.encode(try await proofs.provePosition(position, against: note)) }
                // validate() made --from required with --consistency.
                return try JSONEncoder.proofs.encode(try await proofs.proveConsistency(from: old ?? "", to: note))
            }
            FileHandle.standardOutput.write(json + Data("\n".utf8))
        }
    }

    static func readNote(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure(.usage, "\(path): cannot be read")
        }
        guard (try? LogProofs.read(text)) != nil else {
            throw CommandFailure(.usage, "\(path) is not a checkpoint note written by ledger checkpoint")
        }
        return text
    }
}

/// `ledger check-proof`: checks a proof offline with only the verifier key.
struct CheckProofCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-proof",
        abstract: "Check a proof from ledger prove with only the verifier key.",
        discussion: """
            --key may be given several times (a key rotation: a consistency proof from a
            checkpoint the old key signed to one the new key signed); each checkpoint must
            carry a signature of one of them.

            --origin names the log the checkpoints must sign (the operator publishes
            it with the verifier key). --from is the checkpoint you kept from before:
            a consistency proof must start from that very tree, and an inclusion
            proof's checkpoint of the same size must be it; two signed checkpoints of
            one size with different roots are a FORK (the log was rewritten: keep
            both notes). Without --from, a proof shows only that its own trees agree.

            Lines starting "note" say what holds but proves less than it seems: a
            webhook whose body retention redacted (its other data is not proven by
            the bundle), a job's events after the checkpoint.

            Exit 0 only when the checkpoint's signature, every audit path and every
            consistency path verify; 1 when any does not, or when the bundle proves
            nothing yet (a job newer than the newest checkpoint: "nothing to check
            yet"); 2 when the file is not a proof or the key cannot be read.

            Example:
              ledger check-proof --key 'audit.example+4f1c2a9b+AXk…' j42.proof.json
              ledger check-proof --key "$VK" --from nov.checkpoint dec.consistency.json

            It needs no database and no configuration.
            """
    )

    @Option(help: ArgumentHelp("The verifier key: <name>+<key id>+<base64 key>, as ledger checkpoint --generate-key prints it.",
                               discussion: "Give it again for each key of a rotation: each checkpoint must be signed by one."))
    var key: [String]
    @Option(help: "The log's name (origin) every checkpoint must sign.") var origin: String?
    @Option(help: "The checkpoint you kept from before (a note): the proof must start from that very tree.") var from: String?
    @Argument(help: "The proof's JSON file (- for stdin).") var file: String

    func validate() throws {
        guard !key.isEmpty else { throw ValidationError("--key: give the verifier key (several for a key rotation)") }
    }

    func run() async throws {
        var verifiers: [NoteVerifier] = []
        for text in key {
            do { verifiers.append(try NoteVerifier(verifierKey: text)) } catch { throw CommandFailure(.usage, "--key: \(error)") }
        }
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
        guard let data else { throw CommandFailure(.usage, "\(file): cannot be read") }
        let kept = try from.map { try ProveCommand.readNote($0) }
        let check = ProofCheck.run(data, verifiers: verifiers, expected: ProofCheck.Expected(origin: origin, keptNote: kept))
        if check.notAProof { throw CommandFailure(.usage, "\(file): \(check.failures.joined())") }
        for line in check.checked { writeOut("ok   \(line)") }
        for line in check.notes { writeOut("note \(line)") }
        for line in check.failures { writeOut("FAIL \(line)") }
        guard check.holds else { throw CommandFailure(.checkFailed, "the proof does not hold") }
        writeOut("ok: the proof holds")
    }
}
