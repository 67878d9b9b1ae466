/// `credit.refunded`: the credits of a charged job that failed or was cancelled.
public struct CreditRefunded: Sendable, Hashable, Codable {
    public var account: String
    public var amount: Int64
    /// The fact that made the job fail (or be cancelled).
    public var evidencePosition: Int64

    public init(account: String, amount: Int64, evidencePosition: Int64) {
        self.account = account
        self.amount = amount
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case account, amount, evidencePosition = "evidence_position"
    }
}

/// `credit.recharged`: a late completion under policy `recharge` takes the
/// refund back.
public struct CreditRecharged: Sendable, Hashable, Codable {
    public var account: String
    public var amount: Int64
    public var evidencePosition: Int64

    public init(account: String, amount: Int64, evidencePosition: Int64) {
        self.account = account
        self.amount = amount
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case account, amount, evidencePosition = "evidence_position"
    }
}
