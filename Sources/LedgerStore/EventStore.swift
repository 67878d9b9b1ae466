import LedgerCore

/// The log's interface, the same on every engine (SQLite in `LedgerStore`,
/// PostgreSQL in `LedgerPostgres`); `LedgerTesting.StoreConformance` is the
/// suite each passes.
public protocol EventStore: JobCommands, JobLookup, LogReads {
    /// Appends events to one stream atomically, checking the expected version
    /// and the idempotency key. Returns once the events are durable.
    func append(_ request: AppendRequest) async throws(StoreError) -> AppendResult
}

/// What a request led to.
public struct LedgerOutcome: Sendable, Hashable {
    /// The job the request concerned; `nil` for an orphan webhook.
    public var jobID: String?
    /// The fact's position (for a duplicate webhook, the new duplicate record).
    /// For an idempotent repeat that appended nothing, `nil`.
    public var factPosition: Int64?
    /// Every event appended, in order.
    public var appended: [AppendedEvent]
    public var duplicate: Bool
    /// A duplicate by its delivery id alone (``CommandPlan/reusedDeliveryID``).
    public var reusedDeliveryID = false
    public var orphan: Bool
    /// The job's state after the request.
    public var state: JobState?

    public init(jobID: String?, factPosition: Int64?, appended: [AppendedEvent], duplicate: Bool, orphan: Bool,
                state: JobState? = nil) {
        self.jobID = jobID
        self.factPosition = factPosition
        self.appended = appended
        self.duplicate = duplicate
        self.orphan = orphan
        self.state = state
    }

    /// True when nothing was appended because it was already recorded.
    public var alreadyExisted: Bool { appended.isEmpty }
}

/// The position and type of one appended event.
public struct AppendedEvent: Sendable, Hashable {
    public var position: Int64
    public var stream: String
    public var type: EventType

    public init(position: Int64, stream: String, type: EventType) {
        self.position = position
        self.stream = stream
        self.type = type
    }
}
