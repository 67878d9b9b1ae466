import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger doctor`: the incident view (SPEC §8). Each finding comes with the
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
        let store = try database.openExisting()
        let now = at.flatMap(Timestamp.init(iso8601:)) ?? Timestamp(Date())
        var findings: [Finding] = []
        let report = try await storeCall { () async throws(StoreError) in try await store.verify() }
        for finding in report.findings.prefix(5) {
            findings.append(Finding(check: "log", summary: "\(finding.check) at position \(finding.position.map(String.init) ?? "-"): \(finding.detail)",
                                    command: "ledger verify --db \(database.resolvedPath)   # then restore from a backup (docs/database.md)"))
        }
        let query = ReadOnlyQuery(path: database.resolvedPath, timeBudgetMilliseconds: 60_000)
        for check in DoctorChecks.all(now: now) {
            let result: ReadOnlyQuery.Result
            do { result = try query.run(check.sql) } catch { throw CommandFailure(.unusableDatabase, error.description) }
            findings += result.rows.map { row in check.finding(row, database.resolvedPath) }
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

/// The doctor's questions, as read-only SQL, and how each answer reads.
struct DoctorChecks {
    var sql: String
    var finding: (_ row: [String?], _ database: String) -> DoctorCommand.Finding

    static func all(now: Timestamp) -> [DoctorChecks] {
        let hourAgo = now.adding(milliseconds: -3_600_000).iso8601
        let dayAgo = now.adding(milliseconds: -86_400_000).iso8601
        let tenMinutesAgo = now.adding(milliseconds: -600_000).iso8601
        let weekAgo = now.adding(milliseconds: -7 * 86_400_000).iso8601
        return [
            // The stuck_jobs view's rule, judged at `now` (the view uses the wall clock).
            DoctorChecks(sql: """
                SELECT status, count(*), max(age_s) FROM (
                    SELECT status, CAST((julianday('\(now.iso8601)') - julianday(coalesce(submitted_at, registered_at))) * 86400 AS INTEGER) AS age_s
                    FROM projection_jobs WHERE status IN ('registered', 'processing'))
                WHERE (status = 'processing' AND age_s > (SELECT CAST(value AS INTEGER) FROM ledger_settings WHERE key = 'stuck_after_s'))
                   OR (status = 'registered' AND age_s > (SELECT CAST(value AS INTEGER) FROM ledger_settings WHERE key = 'submit_deadline_s'))
                GROUP BY status ORDER BY status
                """) { row, db in
                let status = row[0] ?? "", count = row[1] ?? "0", age = Int(row[2] ?? "0") ?? 0
                return .init(check: "stuck", summary: "\(count) \(status) jobs stuck (oldest \(age / 3600) h)",
                             command: status == "registered"
                                 ? "ledger audit stuck --db \(db)   # never submitted: ask the app; the watchdog fails them at the deadline"
                                 : "ledger redrive --status processing --action poll --operator YOU --reason \"stuck jobs\" --db \(db)")
            },
            DoctorChecks(sql: """
                SELECT provider, count(*) FROM orphans
                WHERE adopted_job_id IS NULL AND duplicate = 0 AND received_at < '\(hourAgo)' GROUP BY provider
                """) { row, db in
                .init(check: "orphans", summary: "\(row[1] ?? "0") \(row[0] ?? "") webhooks for no known job, waiting over an hour",
                      command: "ledger audit orphans --db \(db)   # the app must POST /v1/jobs/{id}/submitted with their external ids")
            },
            DoctorChecks(sql: """
                SELECT count(*) FROM events q
                WHERE q.type = 'notification.queued' AND q.recorded_at < '\(tenMinutesAgo)'
                  AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream = q.stream AND d.version > q.version
                                  AND d.type IN ('notification.delivered', 'notification.dead_lettered', 'notification.queued')
                                  AND json_extract(d.data, '$.notification_id') = json_extract(q.data, '$.notification_id'))
                HAVING count(*) > 0
                """) { row, db in
                .init(check: "notifications", summary: "\(row[0] ?? "0") notifications overdue by more than 10 minutes",
                      command: "ledger notify --once --db \(db)   # is LEDGER_NOTIFY_URL set and the app up?")
            },
            DoctorChecks(sql: """
                SELECT count(DISTINCT d.stream) FROM events d
                WHERE d.type = 'notification.dead_lettered'
                  AND NOT EXISTS (SELECT 1 FROM events q WHERE q.stream = d.stream AND q.version > d.version
                                  AND q.type = 'notification.queued'
                                  AND json_extract(q.data, '$.notification_id') = json_extract(d.data, '$.notification_id'))
                HAVING count(*) > 0
                """) { row, db in
                .init(check: "dead-letters", summary: "\(row[0] ?? "0") jobs with dead-lettered notifications",
                      command: "ledger redrive --status completed --action notify --operator YOU --reason \"app back\" --db \(db)   # and --status failed")
            },
            DoctorChecks(sql: """
                SELECT j.provider, count(*), h.last_webhook_at
                FROM events c JOIN projection_jobs j ON c.stream = 'job-' || j.job_id
                LEFT JOIN projection_provider_health h ON h.provider = j.provider
                WHERE c.type = 'job.completed' AND json_extract(c.data, '$.source') = 'poll' AND c.recorded_at >= '\(dayAgo)'
                GROUP BY j.provider
                HAVING h.last_webhook_at IS NULL OR h.last_webhook_at < '\(hourAgo)'
                """) { row, db in
                let provider = row[0] ?? ""
                return .init(check: "silent-webhooks",
                             summary: "\(provider): no webhook since \(row[2] ?? "ever") while polls completed \(row[1] ?? "0") jobs in the last day",
                             command: "ledger redrive --status processing --provider \(provider) --action poll --operator YOU --reason \"webhook outage\" --db \(db)   # and check \(provider)'s webhook settings")
            },
            DoctorChecks(sql: """
                SELECT provider, group_concat(raw_status || ' (' || reports || ')', ', '), sum(reports) FROM (
                    SELECT provider, raw_status, reports FROM unknown_statuses
                    WHERE last_seen_at >= '\(weekAgo)' AND last_seen_at <= '\(now.iso8601)' ORDER BY provider, raw_status)
                GROUP BY provider
                """) { row, db in
                let provider = row[0] ?? ""
                return .init(check: "unknown-statuses",
                             summary: "\(provider) sent status words its profile does not know: \(row[1] ?? "") (recorded as unknown; those jobs wait for a poll or the deadline)",
                             command: "ledger query \"SELECT * FROM unknown_statuses WHERE provider = '\(provider)'\" --db \(db)   # then map the word in the provider's status_map, or report it")
            },
        ]
    }
}
