/// `webhook.received`: an authenticated provider webhook that names a job
/// (or, in an `orphans-<provider>` stream, one that names no known job yet).
public struct WebhookReceived: Sendable, Hashable, Codable {
    public var deliveryID: String
    public var provider: String
    public var externalID: String
    public var reportedStatus: ReportedStatus
    public var rawStatus: String
    public var outputs: JSONValue
    public var error: String?
    /// Hex SHA-256 of the raw body, the second key for duplicate detection.
    public var bodySHA256: String
    public var body: String
    /// True when the same delivery (or the same body) was already recorded for
    /// the job: recorded for the audit trail, decides nothing.
    public var duplicate: Bool
    /// The orphan's position when this copy was adopted into the job's stream.
    public var adoptedFrom: Int64?
    /// How the webhook was matched to its job when not by its external id
    /// (schema version 2): `job_id` when the body named our job id and that
    /// won (NCA's Cloud Run jobs draw an id of their own, and their failure
    /// webhooks carry none). `nil` for a match by external id.
    public var matchedBy: WebhookMatch?

    public init(deliveryID: String, provider: String, externalID: String,
                reportedStatus: ReportedStatus, rawStatus: String, outputs: JSONValue = .null,
                error: String? = nil, bodySHA256: String, body: String,
                duplicate: Bool = false, adoptedFrom: Int64? = nil, matchedBy: WebhookMatch? = nil) {
        self.deliveryID = deliveryID
        self.provider = provider
        self.externalID = externalID
        self.reportedStatus = reportedStatus
        self.rawStatus = rawStatus
        self.outputs = outputs
        self.error = error
        self.bodySHA256 = bodySHA256
        self.body = body
        self.duplicate = duplicate
        self.adoptedFrom = adoptedFrom
        self.matchedBy = matchedBy
    }

    enum CodingKeys: String, CodingKey {
        case deliveryID = "delivery_id", provider, externalID = "external_id"
        case reportedStatus = "reported_status", rawStatus = "raw_status", outputs, error
        case bodySHA256 = "body_sha256", body, duplicate, adoptedFrom = "adopted_from", matchedBy = "matched_by"
    }
}

/// How a webhook found its job other than by the provider's external id.
public enum WebhookMatch: String, Sendable, Hashable, Codable, CaseIterable {
    /// The body named the ledger's own job id, and it named a registered job of this provider.
    case jobID = "job_id"
}

/// `poll.result`: the ledger asked the provider for the job's status.
public struct PollResult: Sendable, Hashable, Codable {
    public var attempt: Int
    public var reportedStatus: ReportedStatus
    public var rawStatus: String
    public var outputs: JSONValue
    public var error: String?
    public var httpStatus: Int?
    public var transportError: String?
    public var latencyMilliseconds: Int64

    public init(attempt: Int, reportedStatus: ReportedStatus, rawStatus: String,
                outputs: JSONValue = .null, error: String? = nil, httpStatus: Int? = nil,
                transportError: String? = nil, latencyMilliseconds: Int64 = 0) {
        self.attempt = attempt
        self.reportedStatus = reportedStatus
        self.rawStatus = rawStatus
        self.outputs = outputs
        self.error = error
        self.httpStatus = httpStatus
        self.transportError = transportError
        self.latencyMilliseconds = latencyMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case attempt, reportedStatus = "reported_status", rawStatus = "raw_status", outputs, error
        case httpStatus = "http_status", transportError = "transport_error"
        case latencyMilliseconds = "latency_ms"
    }
}

/// `watchdog.decision`: the watchdog looked at a job that seemed stuck.
public struct WatchdogDecision: Sendable, Hashable, Codable {
    public var decision: WatchdogVerdict
    public var reason: String
    public var ageSeconds: Int64
    public var thresholdSeconds: Int64

    public init(decision: WatchdogVerdict, reason: String, ageSeconds: Int64, thresholdSeconds: Int64) {
        self.decision = decision
        self.reason = reason
        self.ageSeconds = ageSeconds
        self.thresholdSeconds = thresholdSeconds
    }

    enum CodingKeys: String, CodingKey {
        case decision, reason, ageSeconds = "age_s", thresholdSeconds = "threshold_s"
    }
}
