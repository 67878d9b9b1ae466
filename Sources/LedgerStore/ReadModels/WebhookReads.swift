import LedgerCore

/// What the read side asks about a provider's webhooks, as SQL the same on
/// every engine, over facts the fold stored: the late webhooks
/// (``LateWebhookRow``) and the jobs' outcomes and their sources.
enum WebhookReads {
    /// ``ReadModel/webhookLateness``: per provider, how many webhooks came
    /// after their job's outcome and how late they were, at the 50th and
    /// 95th percentiles (nearest rank), in seconds to a tenth, rounded in
    /// whole numbers so every engine rounds a half the same way.
    static let latenessSQL = """
        WITH ranked AS (
            SELECT provider, lateness_ms, row_number() OVER (PARTITION BY provider ORDER BY lateness_ms) AS rank,
                   count(*) OVER (PARTITION BY provider) AS total
            FROM \(LateWebhookRow.table))
        SELECT provider, max(total) AS late_webhooks,
               CAST((min(CASE WHEN rank >= 0.5 * total THEN lateness_ms END) + 50) / 100 AS DOUBLE PRECISION) / 10 AS lateness_p50_s,
               CAST((min(CASE WHEN rank >= 0.95 * total THEN lateness_ms END) + 50) / 100 AS DOUBLE PRECISION) / 10 AS lateness_p95_s
        FROM ranked GROUP BY provider ORDER BY provider
        """

    /// ``ReadModel/silentWebhooks(pollsSince:webhooksBefore:)``: providers
    /// whose jobs a poll completed since `pollsSince` while their last
    /// webhook came before `webhooksBefore` (or never).
    static func silentSQL(pollsSince: Timestamp, webhooksBefore: Timestamp) -> String {
        """
        SELECT j.provider, count(*) AS completed_by_poll, h.last_webhook_at
        FROM projection_jobs j LEFT JOIN projection_provider_health h ON h.provider = j.provider
        WHERE j.status = '\(JobStatus.completed.rawValue)' AND j.completion_source = '\(EvidenceSource.poll.rawValue)'
          AND j.completed_at >= '\(pollsSince.iso8601)'
        GROUP BY j.provider, h.last_webhook_at
        HAVING h.last_webhook_at IS NULL OR h.last_webhook_at < '\(webhooksBefore.iso8601)'
        ORDER BY j.provider
        """
    }
}
