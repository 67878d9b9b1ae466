import LedgerCore

/// A webhook that arrived after its job's outcome, as its
/// `projection_late_webhooks` row: the lateness read model ranks
/// `lateness_ms` per provider. A row is exactly what the provider's
/// `late_webhooks` counts (``JobState/lateWebhookMilliseconds(_:at:)``).
public struct LateWebhookRow: ProjectionRow, Hashable {
    public var position: Int64
    public var recordedAt: Timestamp
    public var jobID: String
    public var provider: String
    public var latenessMilliseconds: Int64

    public static let table = "projection_late_webhooks"
    public static let columns = ["position", "recorded_at", "job_id", "provider", "lateness_ms"]

    /// The row of `webhook`, stored as `recorded`, when it is late for its
    /// job (state `before` it); nil otherwise.
    public static func of(_ webhook: WebhookReceived, at recorded: RecordedEvent, jobBefore before: JobState) -> LateWebhookRow? {
        guard let lateness = before.lateWebhookMilliseconds(webhook, at: recorded.recordedAt) else { return nil }
        return LateWebhookRow(position: recorded.position, recordedAt: recorded.recordedAt, jobID: before.jobID,
                              provider: before.provider, latenessMilliseconds: lateness)
    }

    public var rowValues: [SQLValue] {
        [.integer(position), .text(recordedAt.iso8601), .text(jobID), .text(provider), .integer(latenessMilliseconds)]
    }
}
