import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger doctor`: the incident view. Each finding comes with the
/// exact command that addresses it; exit 1 when there is any.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Incident mode: what needs a look now, each finding with the command that addresses it.",
        discussion: """
            Looks for: chain breaks and broken invariants (ledger verify), stuck jobs,
            orphans waiting more than an hour, notifications overdue by more than 10
            minutes, dead letters, and a provider whose webhooks stopped while polls still
            find completions (a silent webhook outage: no webhook for an hour, completions
            by poll in the last day), and status words a provider sent in the last week
            that its profile does not know; a clock behind the log's last event by more
            than a minute (stepped back); and a SQLite file that cannot give the space
            retention frees back (made in no auto-vacuum mode). Exit 0: nothing found;
            1: findings; 3: the database cannot be used. The whole-log walk takes
            about 8 s per million events here: --skip-verify leaves it out (in an
            incident on a large log; run ledger verify on its own).

            Example:
              ledger doctor --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    /// Findings of `verify` shown one by one; the rest are counted (`ledger verify` lists them all).
    static let logFindingsShown = 5

    @OptionGroup var database: DatabaseOption
    @Option(help: "text or json.") var format = Format.text
    @Option(help: "Judge as of this time (ISO 8601; default now), e.g. to replay an incident.") var at: String?
    @Flag(name: .customLong("skip-verify"), help: "Leave out ledger verify's walk of the whole log (run it on its own).")
    var skipVerify = false

    func validate() throws {
        if let at, Timestamp(iso8601: at) == nil { throw ValidationError("--at must be an ISO 8601 time like 2026-11-23T10:00:00Z") }
    }

    /// A ledger command is run on this ledger: its `--db` goes before the
    /// command's note (`   # then restore…`), or pasted into a shell the
    /// command would check the default database. Anything else (SQL for the
    /// owner) is given as it is.
    static func onThisLedger(_ remedy: String, _ database: String) -> String {
        guard remedy.hasPrefix("ledger ") else { return remedy }
        guard let note = remedy.range(of: "   # ") else { return remedy + database }
        return remedy[..<note.lowerBound] + database + remedy[note.lowerBound...]
    }

    func run() async throws {
        let configuration = try database.configuration()
        try await configuration.withExisting { store in
            let now = at.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(Date())
            var findings: [DoctorFinding] = []
            let database = DatabaseFlag(configuration.databaseLocation).text
            let report = skipVerify ? nil : try await VerifyCommand.chainAndTree(store) { _ in }
            let logFindings = report?.findings ?? []
            for finding in logFindings.prefix(Self.logFindingsShown) {
                let remedy = finding.remedy.map { Self.onThisLedger($0, database) }
                findings.append(DoctorFinding(check: "log", summary: "\(finding.check) at position \(finding.position.map(String.init) ?? "-"): \(finding.detail)",
                                              command: remedy ?? "ledger verify\(database)   # then restore from a backup (docs/runbooks.md)"))
            }
            if logFindings.count > Self.logFindingsShown {
                findings.append(DoctorFinding(check: "log", summary: "\(logFindings.count - Self.logFindingsShown) more findings not shown",
                                              command: "ledger verify\(database)"))
            }
            let watchdog = try await storeCall { () async throws(StoreError) in try await store.recordedWatchdogPolicy() }
            for check in DoctorChecks.all(now: now, watchdog: watchdog) {
                let result = try await storeCall { () async throws(StoreError) in try await store.table(check.model) }
                findings += check.findings(result, database)
            }
            findings += try await storeCall { () async throws(StoreError) in try await store.storageFindings() }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                writeOut(String(decoding: try encoder.encode(["findings": findings]), as: UTF8.self))
            case .text:
                if findings.isEmpty {
                    writeOut("doctor: nothing needs a look (" + (report.map { "\($0.eventsChecked) events verified" }
                        ?? "the log not verified: --skip-verify; run ledger verify") + ")")
                }
                for finding in findings { writeOut("[\(finding.check)] \(finding.summary)\n    -> \(finding.command)") }
            }
            if !findings.isEmpty { throw ExitCode(ExitStatus.checkFailed.rawValue) }
        }
    }
}
