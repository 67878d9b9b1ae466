import LedgerCore

/// One thing that needs a look, with the command that addresses it.
public struct DoctorFinding: Encodable, Sendable, Hashable {
    /// Which question found it: `stuck`, `orphans`, `notifications`,
    /// `dead-letters`, `silent-webhooks`, `unknown-statuses`, `clock` (and `log` for verify's).
    public var check: String
    public var summary: String
    public var command: String

    public init(check: String, summary: String, command: String) {
        self.check = check
        self.summary = summary
        self.command = command
    }
}

/// The doctor's questions, as the store's read models, and how each answer
/// reads (`ledger doctor` and the admin pages' front page ask the same).
/// `databaseFlag` goes into the commands (` --db PATH`, or empty).
public struct DoctorChecks: Sendable {
    public var model: ReadModel
    public var findings: @Sendable (_ table: ReadTable, _ databaseFlag: String) -> [DoctorFinding]

    /// One finding per row of the answer, decoded as `Row`.
    init<Row: ReadRow>(model: ReadModel, perRow finding: @escaping @Sendable (_ row: Row, _ databaseFlag: String) -> DoctorFinding) {
        self.model = model
        findings = { table, database in table.decoded(as: Row.self).map { finding($0, database) } }
    }

    init(model: ReadModel, findings: @escaping @Sendable (_ table: ReadTable, _ databaseFlag: String) -> [DoctorFinding]) {
        self.model = model
        self.findings = findings
    }

    /// The checks as of `now`; `watchdog`: the thresholds the ledger records
    /// (``WatchdogPolicy/recorded(_:)``).
    public static func all(now: Timestamp, watchdog: WatchdogPolicy) -> [DoctorChecks] {
        let hourAgo = now.adding(milliseconds: -3_600_000)
        let dayAgo = now.adding(milliseconds: -86_400_000)
        let weekAgo = now.adding(milliseconds: -7 * 86_400_000)
        return [
            DoctorChecks(model: .stuckJobs(at: now, policy: watchdog)) { (row: StuckCount, db) in
                .init(check: "stuck", summary: "\(row.jobs) \(row.status) jobs stuck (oldest \(ReadableDuration.text(seconds: Double(row.oldestAgeSeconds))))",
                      command: row.status == JobStatus.registered.rawValue
                          ? "ledger audit stuck\(db)   # never submitted: ask the app; the watchdog fails them at the deadline"
                          : "ledger redrive --status processing --action poll --operator YOU --reason \"stuck jobs\"\(db)")
            },
            DoctorChecks(model: .waitingOrphans(receivedBefore: hourAgo)) { (row: WaitingOrphans, db) in
                .init(check: "orphans", summary: "\(row.orphans) \(row.provider) webhooks for no known job, waiting over an hour",
                      command: "ledger audit orphans\(db)   # the app must POST /v1/jobs/{id}/submitted with their external ids")
            },
            DoctorChecks(model: .overdueNotifications(queuedBefore: now.adding(milliseconds: -600_000))) { (row: OverdueNotifications, db) in
                .init(check: "notifications", summary: "\(row.notifications) notifications overdue by more than 10 minutes",
                      command: "ledger notify --once\(db)   # with serve's configuration (--config FILE or its environment); is the app up?")
            },
            DoctorChecks(model: .deadLetters(limit: 100_000), findings: deadLetters),
            DoctorChecks(model: .silentWebhooks(pollsSince: dayAgo, webhooksBefore: hourAgo)) { (row: SilentWebhooks, db) in
                let provider = row.provider
                return .init(check: "silent-webhooks",
                             summary: "\(provider): no webhook since \(row.lastWebhookAt ?? "ever") while polls completed \(row.completedByPoll) jobs in the last day",
                             command: "ledger redrive --status processing --provider \(provider) --action poll --operator YOU --reason \"webhook outage\"\(db)   # and check \(provider)'s webhook settings")
            },
            DoctorChecks(model: .unknownStatuses(seenFrom: weekAgo, seenTo: now), findings: unknownStatuses),
            // A minute's drift between nodes is no news; a clock stepped back is.
            DoctorChecks(model: .logAhead(of: now.adding(milliseconds: 60_000))) { (row: LogAhead, db) in
                .init(check: "clock", summary: "the log's last event is stamped \(row.latest), after this clock (\(now.iso8601)): a clock "
                          + "stepped back; new events are stamped at that time until the clock passes it, and jobs judged by age wait",
                      command: "timedatectl status   # check NTP on every node; then `ledger doctor\(db)` again")
            },
        ]
    }

    /// One finding for every job with a notification the app never accepted.
    static func deadLetters(_ table: ReadTable, _ db: String) -> [DoctorFinding] {
        let jobs = Set(table.decoded(as: DeadLetter.self).map(\.jobID))
        guard !jobs.isEmpty else { return [] }
        return [.init(check: "dead-letters", summary: "\(jobs.count) jobs with dead-lettered notifications",
                      command: "ledger redrive --status completed --action notify --operator YOU --reason \"app back\"\(db)   # and --status failed")]
    }

    /// One finding per provider, naming each word it sent that its profile does not know.
    static func unknownStatuses(_ table: ReadTable, _ db: String) -> [DoctorFinding] {
        let byProvider = Dictionary(grouping: table.decoded(as: UnknownStatusWord.self), by: \.provider)
        return byProvider.keys.sorted().map { provider in
            let words = (byProvider[provider] ?? []).sorted { $0.rawStatus < $1.rawStatus }
                .map { "\($0.rawStatus) (\($0.reports))" }.joined(separator: ", ")
            return .init(check: "unknown-statuses",
                         summary: "\(provider) sent status words its profile does not know: \(words) (recorded as unknown; those jobs wait for a poll or the deadline)",
                         command: "ledger query \"SELECT * FROM unknown_statuses WHERE provider = '\(provider)'\"\(db)   # then, for a provider you defined, map the word in its status_map; for a built-in one, report it")
        }
    }
}
