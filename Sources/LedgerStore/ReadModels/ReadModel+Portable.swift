import LedgerCore

extension ReadModel {
    /// The SQL of a read model whose text is the same on every engine; nil
    /// for the two each dialect writes in its own words (a duration computed
    /// from times; ties ordered as SQLite reads its rows).
    public var portableSQL: String? {
        switch self {
        case .audit(let report, let from, let to, let limit):
            let sql = report.sql(from: from?.iso8601 ?? AuditReport.beginning, to: to?.iso8601 ?? AuditReport.end)
            return limit.map { "SELECT * FROM (\(sql)) AS report LIMIT \($0)" } ?? sql
        case .jobsByStatus: return "SELECT status, count(*) AS jobs FROM jobs GROUP BY status ORDER BY status"
        case .balances(let limit): return "SELECT account, charged, refunded, recharged, net FROM accounts ORDER BY account LIMIT \(limit)"
        case .providerHealth: return "SELECT * FROM provider_health ORDER BY provider"
        case .deadLetters(let limit): return NotificationReads.deadLettersSQL + " LIMIT \(limit)"
        case .overdueNotifications(let before): return NotificationReads.overdueSQL(queuedBefore: before)
        case .stuckJobs(let at, let policy): return StuckJobs.countsSQL(at: at, policy: policy)
        case .stuckList(let at, let policy, let from, let to):
            return StuckJobs.listSQL(at: at, policy: policy, registeredFrom: from, registeredTo: to) + " ORDER BY \(StuckJobs.listKey)"
        case .webhookLateness: return WebhookReads.latenessSQL
        case .outcomesBySourceByDay(let limit):
            return """
                SELECT provider, completion_source, substr(coalesce(completed_at, failed_at, cancelled_at), 1, 10) AS day, count(*) AS jobs
                FROM jobs WHERE completion_source IS NOT NULL GROUP BY provider, completion_source, day
                ORDER BY day DESC, provider, completion_source LIMIT \(limit)
                """
        case .unknownStatuses(let from, let to):
            return """
                SELECT provider, raw_status, reports, last_seen_at FROM unknown_statuses
                WHERE last_seen_at >= '\(from?.iso8601 ?? AuditReport.beginning)' AND last_seen_at <= '\(to?.iso8601 ?? AuditReport.end)'
                ORDER BY provider, last_seen_at DESC, raw_status LIMIT 500
                """
        case .waitingOrphans(let before):
            return """
                SELECT provider, count(*) AS orphans FROM orphans
                WHERE adopted_job_id IS NULL AND duplicate = 0 AND received_at < '\(before.iso8601)' GROUP BY provider
                ORDER BY provider
                """
        case .silentWebhooks(let pollsSince, let webhooksBefore):
            return WebhookReads.silentSQL(pollsSince: pollsSince, webhooksBefore: webhooksBefore)
        case .logAhead(let after):
            return """
                SELECT recorded_at AS latest FROM events
                WHERE position = (SELECT max(position) FROM events) AND recorded_at > '\(after.iso8601)'
                """
        case .page(let page): return page.sql(wrapping: Self.list(page.list))
        case .recentJobs, .detectionLatencyByDay: return nil
        }
    }

    /// The whole of a paged list (``ListPage``): the page's SQL cuts it.
    private static func list(_ list: ListPage.List) -> String {
        switch list {
        case .refunds: AuditReport.refunds.sql(from: AuditReport.beginning, to: AuditReport.end)
        case .orphans: AuditReport.orphans.sql(from: AuditReport.beginning, to: AuditReport.end)
        case .stuck(let at, let policy): StuckJobs.listSQL(at: at, policy: policy, registeredFrom: nil, registeredTo: nil)
        case .deadLetters: NotificationReads.deadLettersSQL
        case .deliveries: NotificationReads.deliveriesSQL
        }
    }
}
