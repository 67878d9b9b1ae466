/// `retention.applied`: a retention run redacts the raw bodies of the
/// `webhook.received` events recorded before `cutoff`, at positions
/// `fromPosition...throughPosition`, keeping every other field. Appended
/// before the run redacts anything, it is the chained proof of what the
/// redacted events now hold: `redactedSHA256` digests every covered event's
/// redacted data, so `ledger verify` tells a redacted event from a damaged
/// one, also while a killed run is only partly applied.
public struct RetentionApplied: Sendable, Hashable, Codable {
    /// Bodies recorded before this instant are redacted (ISO 8601, UTC).
    public var cutoff: String
    public var fromPosition: Int64
    public var throughPosition: Int64
    /// How many events the run covers (and redacts).
    public var count: Int64
    /// Hex SHA-256 over `"<position>:<hex SHA-256 of the redacted data>\n"` of each covered event, in position order.
    public var redactedSHA256: String
    public var operatorName: String

    public init(cutoff: String, fromPosition: Int64, throughPosition: Int64, count: Int64, redactedSHA256: String,
                operatorName: String) {
        self.cutoff = cutoff
        self.fromPosition = fromPosition
        self.throughPosition = throughPosition
        self.count = count
        self.redactedSHA256 = redactedSHA256
        self.operatorName = operatorName
    }

    enum CodingKeys: String, CodingKey {
        case cutoff, fromPosition = "from_position", throughPosition = "through_position", count
        case redactedSHA256 = "redacted_sha256", operatorName = "operator"
    }
}
