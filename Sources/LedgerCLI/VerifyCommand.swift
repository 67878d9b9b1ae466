import ArgumentParser
import LedgerStore

/// `ledger verify`.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the hash chain, the immutability triggers and the refund invariants.",
        discussion: """
            Recomputes every hash from the rows, checks that positions have no gap, that the
            triggers refusing UPDATE and DELETE are the shipped ones, and the rules of SPEC §3
            (one terminal outcome, refunds exactly once, balances). Names the first bad
            position; exit 1 when anything is wrong.

            Example:
              ledger verify --db ./ledger.sqlite --format json
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "text or json.") var format = OutputFormat.text

    func run() async throws {
        let store = try database.openExisting()
        let report = try await storeCall { () async throws(StoreError) in
            try await store.verify(progress: reportProgress("verify"))
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
