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
            Looks for: chain breaks and broken invariants (ledger verify), stuck jobs, orphans
            waiting more than an hour, notifications overdue by more than 10 minutes, dead
            letters, and a provider whose webhooks stopped while polls still find completions
            (a silent webhook outage: no webhook for an hour, completions by poll in the last day),
            and status words a provider sent in the last week that its profile does not know.
            Exit 0: nothing found; 1: findings; 3: the database cannot be used.

            Example:
              ledger doctor --format json
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    struct Finding: Encodable {
        var check: String
        var summary: String
        var command: String
    }

    @OptionGroup var database: DatabaseOption
    @Option(help: "text or json.") var format = Format.text
    @Option(help: "Judge as of this time (ISO 8601; default now), e.g. to replay an incident.") var at: String?

    func validate() throws {
        if let at, Timestamp(iso8601: at) == nil { throw ValidationError("--at must be an ISO 8601 time like 2026-11-23T10:00:00Z") }
    }

    func run() async throws {
        let configuration = try database.configuration()
        let store = try await configuration.openExisting()
        let now = at.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(Date())
        var findings: [Finding] = []
        let report = try await storeCall { () async throws(StoreError) in try await store.verify() }
        for finding in report.findings.prefix(5) {
            findings.append(Finding(check: "log", summary: "\(finding.check) at position \(finding.position.map(String.init) ?? "-"): \(finding.detail)",
                                    command: "ledger verify --db \(configuration.databaseLocation)   # then restore from a backup (docs/database.md)"))
        }
        for check in DoctorChecks.all(now: now) {
            let result = try await storeCall { () async throws(StoreError) in try await store.table(check.model) }
            findings += check.findings(result, configuration.databaseLocation)
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            writeOut(String(decoding: try encoder.encode(["findings": findings]), as: UTF8.self))
        case .text:
            if findings.isEmpty { writeOut("doctor: nothing needs a look (\(report.eventsChecked) events verified)") }
            for finding in findings { writeOut("[\(finding.check)] \(finding.summary)\n    -> \(finding.command)") }
        }
        if !findings.isEmpty { throw ExitCode(ExitStatus.checkFailed.rawValue) }
    }
}

/// The doctor's questions, as the store's read models, and how each answer reads.
struct DoctorChecks {
    var model: ReadModel
    var findings: (_ table: ReadTable, _ database: String) -> [DoctorCommand.Finding]

    /// One finding per row of the answer.
    init(model: ReadModel, perRow finding: @escaping (_ row: [String?], _ database: String) -> DoctorCommand.Finding) {
        self.model = model
        findings = { table, database in table.rows.map { finding($0, database) } }
    }

    init(model: ReadModel, findings: @escaping (_ table: ReadTable, _ database: String) -> [DoctorCommand.Finding]) {
        self.model = model
        self.findings = findings
    }

    static func all(now: Timestamp) -> [DoctorChecks] {
        let hourAgo = now.adding(milliseconds: -3_600_000)
        let dayAgo = now.adding(milliseconds: -86_400_000)
        let weekAgo = now.adding(milliseconds: -7 * 86_400_000)
        return [
            DoctorChecks(model: .stuckJobs(at: now)) { row, db in
                let status = row[0] ?? "", count = row[1] ?? "0", age = Int(row[2] ?? "0") ?? 0
                return .init(check: "stuck", summary: "\(count) \(status) jobs stuck (oldest \(age / 3600) h)",
                             command: status == "registered"
                                 ? "ledger audit stuck --db \(db)   # never submitted: ask the app; the watchdog fails them at the deadline"
                                 : "ledger redrive --status processing --action poll --operator YOU --reason \"stuck jobs\" --db \(db)")
            },
            DoctorChecks(model: .waitingOrphans(receivedBefore: hourAgo)) { row, db in
                .init(check: "orphans", summary: "\(row[1] ?? "0") \(row[0] ?? "") webhooks for no known job, waiting over an hour",
                      command: "ledger audit orphans --db \(db)   # the app must POST /v1/jobs/{id}/submitted with their external ids")
            },
            DoctorChecks(model: .overdueNotifications(queuedBefore: now.adding(milliseconds: -600_000))) { row, db in
                .init(check: "notifications", summary: "\(row[0] ?? "0") notifications overdue by more than 10 minutes",
                      command: "ledger notify --once --db \(db)   # is LEDGER_NOTIFY_URL set and the app up?")
            },
            DoctorChecks(model: .deadLetters(limit: 100_000), findings: deadLetters),
            DoctorChecks(model: .silentWebhooks(pollsSince: dayAgo, webhooksBefore: hourAgo)) { row, db in
                let provider = row[0] ?? ""
                return .init(check: "silent-webhooks",
                             summary: "\(provider): no webhook since \(row[2] ?? "ever") while polls completed \(row[1] ?? "0") jobs in the last day",
                             command: "ledger redrive --status processing --provider \(provider) --action poll --operator YOU --reason \"webhook outage\" --db \(db)   # and check \(provider)'s webhook settings")
            },
            DoctorChecks(model: .unknownStatuses(seenFrom: weekAgo, seenTo: now), findings: unknownStatuses),
        ]
    }

    /// One finding for every job with a notification the app never accepted.
    static func deadLetters(_ table: ReadTable, _ db: String) -> [DoctorCommand.Finding] {
        let jobs = Set(table.rows.compactMap { $0[0] })
        guard !jobs.isEmpty else { return [] }
        return [.init(check: "dead-letters", summary: "\(jobs.count) jobs with dead-lettered notifications",
                      command: "ledger redrive --status completed --action notify --operator YOU --reason \"app back\" --db \(db)   # and --status failed")]
    }

    /// One finding per provider, naming each word it sent that its profile does not know.
    static func unknownStatuses(_ table: ReadTable, _ db: String) -> [DoctorCommand.Finding] {
        let byProvider = Dictionary(grouping: table.rows) { $0[0] ?? "" }
        return byProvider.keys.sorted().map { provider in
            let words = (byProvider[provider] ?? []).sorted { ($0[1] ?? "") < ($1[1] ?? "") }
                .map { "\($0[1] ?? "") (\($0[2] ?? "0"))" }.joined(separator: ", ")
            return .init(check: "unknown-statuses",
                         summary: "\(provider) sent status words its profile does not know: \(words) (recorded as unknown; those jobs wait for a poll or the deadline)",
                         command: "ledger query \"SELECT * FROM unknown_statuses WHERE provider = '\(provider)'\" --db \(db)   # then map the word in the provider's status_map, or report it")
        }
    }
}
