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

extension Lease {
    /// The lease the current task's background round runs under: an engine
    /// with leases refuses its writes once the lease has passed to another
    /// holder (``StoreError/leaseLost(name:epoch:)``), so a holder paused past
    /// its lease (a long GC-like stall, a frozen VM) cannot write on a
    /// decision the new holder is also making.
    @TaskLocal public static var current: Lease?
}
