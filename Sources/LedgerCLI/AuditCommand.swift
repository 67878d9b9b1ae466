import ArgumentParser
import Foundation
import LedgerCore
import LedgerStore

/// `ledger audit refunds|late-completions|orphans|conflicts|stuck`: the
/// auditor's ready-made reports (SPEC §8), run as read-only SQL over the log
/// and the projections, so they can be re-run by hand with `ledger query`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Ready-made auditor reports: refunds, late completions, orphans, conflicts, stuck jobs.",
        discussion: """
            refunds           every credit.refunded with the evidence event that caused it
                              (position, type, source: webhook, poll, watchdog, manual or app)
            late-completions  successes that arrived after a job failed or was cancelled, with the policy
            orphans           webhooks that named no known job, and whether they were adopted
            conflicts         terminal reports that contradicted a job's first terminal fact
            stuck             jobs open past stuck_after, or never submitted past submit_deadline
            --since/--until bound the report's own events (recorded_at; for stuck, registration).

            Example:
              ledger audit refunds --since 2026-11-01T00:00:00Z --format csv > refunds.csv
            """
    )

    enum Report: String, ExpressibleByArgument, CaseIterable {
        case refunds, lateCompletions = "late-completions", orphans, conflicts, stuck
    }

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json, csv }

    @OptionGroup var database: DatabaseOption
    @Argument(help: "refunds, late-completions, orphans, conflicts or stuck.") var report: Report
    @Option(help: "From this time on (ISO 8601).") var since: String?
    @Option(help: "Before this time (ISO 8601).") var until: String?
    @Option(help: "text, json or csv.") var format = Format.text

    func validate() throws {
        for (name, text) in [("--since", since), ("--until", until)] where text != nil && Timestamp(iso8601: text!) == nil {
            throw ValidationError("\(name) must be an ISO 8601 time like 2026-11-23T10:00:00Z")
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: database.resolvedPath) else {
            throw CommandFailure(.unusableDatabase, "no ledger at \(database.resolvedPath); pass --db or set LEDGER_DB")
        }
        // Times are re-rendered from parsed timestamps, so only digits and
        // separators reach the SQL text.
        let from = since.flatMap(Timestamp.init(iso8601:))?.iso8601 ?? "0000-01-01T00:00:00.000Z"
        let to = until.flatMap(Timestamp.init(iso8601:))?.iso8601 ?? "9999-12-31T23:59:59.999Z"
        let query = ReadOnlyQuery(path: database.resolvedPath, timeBudgetMilliseconds: 60_000)
        let result: ReadOnlyQuery.Result
        do {
            result = try query.run(AuditReports.sql(for: report, from: from, to: to))
        } catch {
            throw CommandFailure(.unusableDatabase, error.description)
        }
        switch format {
        case .text: writeOut(result.rows.isEmpty ? "(no rows)" : TableRenderer.table(result))
        case .csv: writeOut(TableRenderer.csv(result))
        case .json: writeOut(TableRenderer.json(result))
        }
    }
}

/// The SQL behind each report.
enum AuditReports {
    /// Where a refund's or a late completion's evidence came from, by the evidence event's type.
    static let evidenceSource = """
        CASE e.type WHEN 'webhook.received' THEN 'webhook' WHEN 'poll.result' THEN 'poll'
                    WHEN 'watchdog.decision' THEN 'watchdog' WHEN 'operator.action' THEN 'manual'
                    ELSE coalesce(json_extract(e.data, '$.source'), 'app') END
        """

    static func sql(for report: AuditCommand.Report, from: String, to: String) -> String {
        let window = "BETWEEN '\(from)' AND '\(to)'"
        switch report {
        case .refunds:
            return """
                SELECT r.position AS refund_position, r.recorded_at, substr(r.stream, 5) AS job_id,
                       json_extract(r.data, '$.account') AS account, json_extract(r.data, '$.amount') AS amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(evidenceSource) AS evidence_source,
                       e.recorded_at AS evidence_recorded_at
                FROM events r LEFT JOIN events e ON e.position = json_extract(r.data, '$.evidence_position')
                WHERE r.type = 'credit.refunded' AND r.recorded_at \(window)
                ORDER BY r.position
                """
        case .lateCompletions:
            return """
                SELECT l.position AS late_position, l.recorded_at, substr(l.stream, 5) AS job_id,
                       json_extract(l.data, '$.policy') AS policy, j.status AS first_outcome,
                       j.refunded_amount, j.recharged_amount,
                       e.position AS evidence_position, e.type AS evidence_type, \(evidenceSource) AS evidence_source
                FROM events l
                JOIN projection_jobs j ON l.stream = 'job-' || j.job_id
                LEFT JOIN events e ON e.position = json_extract(l.data, '$.evidence_position')
                WHERE l.type = 'job.late_completion' AND l.recorded_at \(window)
                ORDER BY l.position
                """
        case .orphans:
            return """
                SELECT position, received_at, provider, external_id, delivery_id, duplicate,
                       adopted_job_id, adopted_position
                FROM orphans WHERE received_at \(window) ORDER BY position
                """
        case .conflicts:
            return """
                SELECT w.position, w.recorded_at, j.job_id, j.provider, w.type AS report_type,
                       json_extract(w.data, '$.reported_status') AS reported, j.status AS first_outcome,
                       j.completion_source
                FROM projection_jobs j
                JOIN events w ON w.stream = 'job-' || j.job_id
                WHERE j.conflict_count > 0 AND w.type IN ('webhook.received', 'poll.result')
                  AND coalesce(json_extract(w.data, '$.duplicate'), 0) = 0
                  AND w.position > (SELECT min(t.position) FROM events t WHERE t.stream = w.stream
                                    AND t.type IN ('job.completed', 'job.failed', 'job.cancelled'))
                  AND ((j.status = 'completed' AND json_extract(w.data, '$.reported_status') IN ('failed', 'cancelled'))
                    OR (j.status = 'failed' AND json_extract(w.data, '$.reported_status') = 'cancelled')
                    OR (j.status = 'cancelled' AND json_extract(w.data, '$.reported_status') = 'failed'))
                  AND w.recorded_at \(window)
                ORDER BY w.position
                """
        case .stuck:
            return """
                SELECT job_id, account, provider, external_id, status, reason, age_s, registered_at, submitted_at, last_event_at
                FROM stuck_jobs WHERE registered_at \(window) ORDER BY age_s DESC
                """
        }
    }
}
