import LedgerCore

/// The rows of the read models about providers: their health since the log
/// began (the API and the admin table), and over time (the admin charts).

/// ``ReadModel/outcomesBySourceByDay(limit:)``: one provider's jobs ended on
/// one day by one source of evidence.
public struct OutcomeCount: ReadRow {
    public var provider: String
    public var completionSource: String
    public var day: String
    public var jobs: Int

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        completionSource = record["completion_source"] ?? ""
        day = record["day"] ?? ""
        jobs = record.count("jobs")
    }
}

/// ``ReadModel/detectionLatencyByDay(limit:)``: one provider's mean seconds
/// from registration to the outcome, on one day.
public struct DetectionLatency: ReadRow {
    public var provider: String
    public var day: String
    public var seconds: Double?

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        day = record["day"] ?? ""
        seconds = record["seconds"].flatMap(Double.init)
    }
}

/// ``ReadModel/providerHealth``: one provider's counters since the log
/// began, as the `provider_health` view keeps them. `GET /v1/providers/health`
/// answers ``json``; the admin page shows ``measures``: both from here, so
/// the two dialects' views cannot give the API different types.
public struct ProviderHealthRow: ReadRow, Hashable {
    public var provider: String
    public var webhooks: Int
    public var duplicates: Int
    public var orphans: Int
    public var lateWebhooks: Int
    public var conflicts: Int
    /// Terminal outcomes by the source of their evidence.
    public var completionsBySource: [EvidenceSource: Int]
    /// Seconds from registration to the outcome, over the provider's ended jobs.
    public var detectionLatencyP50Seconds: Double?
    public var detectionLatencyP95Seconds: Double?
    public var lastWebhookAt: Timestamp?
    /// Of the outcomes a webhook or a poll found, the share a poll found.
    public var pollShare: Double?
    public var unknownStatuses: Int

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        webhooks = record.count("webhooks")
        duplicates = record.count("duplicates")
        orphans = record.count("orphans")
        lateWebhooks = record.count("late_webhooks")
        conflicts = record.count("conflicts")
        completionsBySource = Dictionary(uniqueKeysWithValues: EvidenceSource.allCases.map { ($0, record.count(Self.completions($0))) })
        detectionLatencyP50Seconds = record["detection_latency_p50_s"].flatMap(Double.init)
        detectionLatencyP95Seconds = record["detection_latency_p95_s"].flatMap(Double.init)
        lastWebhookAt = record.time("last_webhook_at")
        pollShare = record["poll_share"].flatMap(Double.init)
        unknownStatuses = record.count("unknown_statuses")
    }

    /// Each measure under its column's name in the view, in the view's
    /// order; a latency or share the provider has none of yet (no ended
    /// job, no outcome by webhook or poll) and a last webhook it never
    /// sent are null.
    public var measures: [(column: String, value: JSONValue)] {
        [("webhooks", .int(Int64(webhooks))), ("duplicates", .int(Int64(duplicates))), ("orphans", .int(Int64(orphans))),
         ("late_webhooks", .int(Int64(lateWebhooks))), ("conflicts", .int(Int64(conflicts)))]
            + EvidenceSource.allCases.map { (Self.completions($0), .int(Int64(completionsBySource[$0] ?? 0))) }
            + [("detection_latency_p50_s", detectionLatencyP50Seconds.map(JSONValue.double) ?? .null),
               ("detection_latency_p95_s", detectionLatencyP95Seconds.map(JSONValue.double) ?? .null),
               ("last_webhook_at", lastWebhookAt.map { .string($0.iso8601) } ?? .null),
               ("poll_share", pollShare.map(JSONValue.double) ?? .null),
               ("unknown_statuses", .int(Int64(unknownStatuses)))]
    }

    /// The provider and its measures, as `GET /v1/providers/health` answers each.
    public var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: [("provider", .string(provider))] + measures))
    }

    private static func completions(_ source: EvidenceSource) -> String { "completions_\(source.rawValue)" }
}
