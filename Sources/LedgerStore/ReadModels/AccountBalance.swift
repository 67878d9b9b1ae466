import LedgerCore

/// An account's balance (the `accounts` view).
public struct AccountBalance: Sendable, Hashable {
    public var account: String
    public var charged: Int64
    public var refunded: Int64
    public var recharged: Int64
    /// `charged - refunded + recharged`.
    public var net: Int64

    public init(account: String, charged: Int64, refunded: Int64, recharged: Int64, net: Int64) {
        self.account = account
        self.charged = charged
        self.refunded = refunded
        self.recharged = recharged
        self.net = net
    }
}
