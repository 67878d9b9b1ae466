import LedgerCore

/// The right to run one background service (poller, watchdog, notifier) for
/// the whole ledger until `expiresAt`, so that several nodes do not each
/// poll, judge and notify. `epoch` grows each time the lease changes hands:
/// a fencing token that tells a paused former holder from the current one.
public struct Lease: Sendable, Hashable {
    public var name: String
    public var holder: String
    public var epoch: Int64
    /// The database's clock (text), when the lease lapses unless renewed.
    public var expiresAt: String

    public init(name: String, holder: String, epoch: Int64, expiresAt: String) {
        self.name = name
        self.holder = holder
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}
