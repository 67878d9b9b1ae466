import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger audit refunds|late-completions|orphans|conflicts|stuck`: the
/// auditor's ready-made reports, run as read-only SQL over the log and the
/// projections, so they can be re-run by hand with `ledger query`; the stuck
/// jobs are judged now by the watchdog's policy (the `stuck_jobs` view is
/// the same rule in SQL, by the database's clock).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Ready-made auditor reports: refunds, late completions, orphans, conflicts, stuck jobs.",
        discussion: """
            refunds           every credit.refunded with the evidence event that caused
                              it (position, type, source: webhook, poll, watchdog,
                              manual or app)
            late-completions  successes that arrived after a job failed or was
                              cancelled, with the policy
            orphans           webhooks that named no known job, and whether they were
                              adopted
            conflicts         terminal reports that contradicted a job's first
                              terminal fact
            stuck             jobs open past stuck_after, or never submitted past
                              submit_deadline, judged now by the thresholds serve
                              recorded (as the watchdog judges), oldest first

            --since/--until bound the report's own events (recorded_at; for stuck,
            registration).

            Example:
              ledger audit refunds --since 2026-11-01T00:00:00Z --format csv > refunds.csv
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

    @OptionGroup var database: DatabaseOption
    @Argument(help: "refunds, late-completions, orphans, conflicts or stuck.") var report: Report
    @Option(help: "From this time on (ISO 8601).") var since: String?
    @Option(help: "Before this time (ISO 8601).") var until: String?
    @Option(help: "text, json or csv (json: an array of objects, amounts and counts as numbers).")
    var format = Format.text

    func validate() throws {
        for (name, text) in [("--since", since), ("--until", until)] where text != nil && Timestamp(iso8601: text!) == nil {
            throw ValidationError("\(name) must be an ISO 8601 time like 2026-11-23T10:00:00Z")
        }
    }

    func run() async throws {
        let configuration = try database.configuration()
        try await configuration.withExisting { store in
            let from = since.flatMap(Timestamp.init(iso8601:)), to = until.flatMap(Timestamp.init(iso8601:))
            let model: ReadModel
            switch report {
            case .facts(let report): model = .audit(report, from: from, to: to, limit: nil)
            case .stuck:
                // Judged now by the thresholds `serve` runs with, as the watchdog judges.
                let policy = try await storeCall { () async throws(StoreError) in try await store.recordedWatchdogPolicy() }
                model = .stuckList(at: Timestamp(Date()), policy: policy, registeredFrom: from, registeredTo: to)
            }
            let result = try await storeCall { () async throws(StoreError) in try await store.table(model) }
            switch format {
            case .text: writeOut(result.rows.isEmpty ? "(no rows)" : TableRenderer.table(result))
            case .csv: writeOut(TableRenderer.csv(result))
            case .json: writeOut(TableRenderer.json(result))
            }
        }
    }
}

extension AuditCommand {
    /// A report over the facts the fold kept, or the jobs stuck now.
    enum Report: ExpressibleByArgument {
        case facts(AuditReport)
        case stuck

        init?(argument: String) {
            if argument == "stuck" {
                self = .stuck
            } else if let report = AuditReport(rawValue: argument) {
                self = .facts(report)
            } else {
                return nil
            }
        }

        static var allValueStrings: [String] { AuditReport.allCases.map(\.rawValue) + ["stuck"] }
    }
}
