/// The `metadata` column: who or what caused an event, for the audit trail.
public struct EventMetadata: Sendable, Hashable, Codable {
    /// `app`, `provider:<name>`, `ledger` (decisions), `operator:<name>`, ...
    public var actor: String
    /// The channel the fact came through: `http`, `cli`, `poller`, ...
    public var source: String?
    /// Ties together everything one request caused (e.g. the HTTP request id).
    public var correlationID: String?
    /// For a decision: the position of the fact that caused it.
    public var causationPosition: Int64?

    public init(actor: String, source: String? = nil, correlationID: String? = nil, causationPosition: Int64? = nil) {
        self.actor = actor
        self.source = source
        self.correlationID = correlationID
        self.causationPosition = causationPosition
    }

    /// Stands in where an event was read only to be folded (rebuild): the fold
    /// and the projections never read metadata, so it is not decoded.
    public static let notDecoded = EventMetadata(actor: "(not decoded)")

    enum CodingKeys: String, CodingKey {
        case actor, source, correlationID = "correlation_id", causationPosition = "causation_position"
    }
}
