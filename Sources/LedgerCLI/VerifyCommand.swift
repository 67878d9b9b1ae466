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
            rules (one terminal outcome, refunds exactly once, balances). Names the first
            bad position; exit 1 when anything is wrong.

            Example:
              ledger verify --db ./ledger.sqlite --format json
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "text or json.") var format = OutputFormat.text
    @Option(help: "A checkpoint written by `ledger checkpoint`: the log must still extend it.") var checkpoint: String?
    @Option(help: "The public key (base64) the checkpoint must be signed with; without it, the key inside the file.")
    var publicKey: String?

    func run() async throws {
        let configuration = try database.configuration()
        try await configuration.withExisting { store in
            var report = try await storeCall { () async throws(StoreError) in
                try await store.verify(progress: reportProgress("verify"))
            }
            if let checkpoint {
                report.findings += try await checkpointFindings(checkpoint, store)
            }
            switch format {
            case .json: writeOut(encodePretty(report))
            case .text:
                writeOut("checked \(report.eventsChecked) events; head position \(report.head.position) hash \(report.head.hash)")
                for finding in report.findings {
                    writeOut("FAIL \(finding.check)" + (finding.position.map { " at position \($0)" } ?? "") + ": \(finding.detail)")
                }
            }
            guard report.isSound else {
                let first = report.firstBadPosition.map { "; first bad position \($0)" } ?? ""
                throw CommandFailure(.checkFailed, "verification failed\(first)")
            }
            if format == .text { writeOut("ok: chain, triggers and invariants hold") }
        }
    }

    private func checkpointFindings(_ path: String, _ store: any LedgerEngine) async throws -> [VerificationReport.Finding] {
        guard let data = FileManager.default.contents(atPath: path),
              let checkpoint = try? JSONDecoder().decode(Checkpoint.self, from: data) else {
            throw CommandFailure(.usage, "\(path) is not a checkpoint written by ledger checkpoint")
        }
        guard checkpoint.isSigned(by: publicKey) else {
            return [.init(check: "checkpoint", position: checkpoint.position,
                          detail: "the signature does not hold" + (publicKey == nil ? "" : " for --public-key"))]
        }
        if publicKey == nil {
            FileHandle.standardError.write(Data("verify: the checkpoint's signature was checked against the key inside it; pass --public-key to pin the signer\n".utf8))
        }
        let contradiction = try await storeCall { () async throws(StoreError) in try await store.contradiction(of: checkpoint) }
        return contradiction.map { [.init(check: "checkpoint", position: checkpoint.position, detail: $0)] } ?? []
    }
}
