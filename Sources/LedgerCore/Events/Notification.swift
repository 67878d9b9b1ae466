/// The payload shared by `notification.queued`, `.attempted`, `.delivered`
/// and `.dead_lettered`: one step in telling the app about a job.
public struct NotificationStep: Sendable, Hashable, Codable {
    /// Stable across retries; sent as `webhook-id` so the app can deduplicate.
    public var notificationID: String
    /// The event type the notification is about, e.g. `job.completed`.
    public var event: String
    public var attempt: Int
    public var httpStatus: Int?
    public var error: String?
    /// How long the app took to answer the attempt (`notification.attempted`
    /// from schema version 2 only; absent on the other steps).
    public var latencyMilliseconds: Int?

    public init(notificationID: String, event: String, attempt: Int, httpStatus: Int? = nil, error: String? = nil,
                latencyMilliseconds: Int? = nil) {
        self.notificationID = notificationID
        self.event = event
        self.attempt = attempt
        self.httpStatus = httpStatus
        self.error = error
        self.latencyMilliseconds = latencyMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case notificationID = "notification_id", event, attempt, httpStatus = "http_status", error, latencyMilliseconds = "latency_ms"
    }
}
