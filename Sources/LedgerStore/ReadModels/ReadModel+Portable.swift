import LedgerCore

extension ReadModel {
    /// The SQL of a read model whose text is the same on every engine; nil
    /// for the others, which each dialect writes in its own words.
    public var portableSQL: String? {
        switch self {
        case .jobsByStatus: "SELECT status, count(*) AS jobs FROM jobs GROUP BY status ORDER BY status"
        case .balances(let limit): "SELECT account, charged, refunded, recharged, net FROM accounts ORDER BY account LIMIT \(limit)"
        case .providerHealth: "SELECT * FROM provider_health ORDER BY provider"
        case .deadLetters(let limit): NotificationReads.deadLettersSQL + " LIMIT \(limit)"
        case .overdueNotifications(let before): NotificationReads.overdueSQL(queuedBefore: before)
        case .stuckJobs(let at, let policy): StuckJobs.countsSQL(at: at, policy: policy)
        case .webhookLateness: WebhookReads.latenessSQL
        case .unknownStatuses(let from, let to):
            """
            SELECT provider, raw_status, reports, last_seen_at FROM unknown_statuses
            WHERE last_seen_at >= '\(from?.iso8601 ?? AuditReport.beginning)' AND last_seen_at <= '\(to?.iso8601 ?? AuditReport.end)'
            ORDER BY provider, last_seen_at DESC, raw_status LIMIT 500
            """
        case .waitingOrphans(let before):
            """
            SELECT provider, count(*) AS orphans FROM orphans
            WHERE adopted_job_id IS NULL AND duplicate = 0 AND received_at < '\(before.iso8601)' GROUP BY provider
            ORDER BY provider
            """
        case .silentWebhooks(let pollsSince, let webhooksBefore):
            WebhookReads.silentSQL(pollsSince: pollsSince, webhooksBefore: webhooksBefore)
        case .page(let page) where page.list == .deadLetters: page.sql(wrapping: NotificationReads.deadLettersSQL)
        case .page(let page):
            if case .deliveries = page.list { page.sql(wrapping: NotificationReads.deliveriesSQL) } else { nil }
        default: nil
        }
    }
}
