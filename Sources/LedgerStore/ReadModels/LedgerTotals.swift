import Foundation
import LedgerCore

/// Whole-ledger counts for the metrics endpoint, read from the projections in
/// one snapshot. Every total comes from the log, so counters survive restarts
/// and agree with `ledger verify`; the cost is a scan of the jobs index per
/// scrape (tens of milliseconds at a million jobs).
public struct LedgerTotals: Sendable, Hashable {
    public var jobsByStatus: [JobStatus: Int64] = [:]
    /// Jobs refunded (a job is refunded at most once) and the credits returned,
    /// up to ``creditsMax``: a sum over many accounts may pass what 64 bits
    /// hold, and the metrics must still be served.
    public var refunds: Int64 = 0
    public var refundedCredits: Int64 = 0
    public static let creditsMax = Int64.max

    /// `high` · 2^32 + `low`, or ``creditsMax`` past it (non-negative amounts,
    /// summed by their 32-bit halves where a whole sum could overflow).
    public static func joined(high: Int64, low: Int64) -> Int64 {
        let (shifted, overflowHigh) = high.multipliedReportingOverflow(by: 1 << 32)
        let (sum, overflowSum) = shifted.addingReportingOverflow(low)
        return overflowHigh || overflowSum ? creditsMax : sum
    }
    public var conflicts: Int64 = 0
    public var orphansUnadopted: Int64 = 0
    /// The log's last position.
    public var position: Int64 = 0
    /// Terminal outcomes by provider and source (webhook, poll, watchdog, manual, app).
    public var outcomesByProvider: [String: [String: Int64]] = [:]
    /// Per provider, the share of webhook-or-poll outcomes a poll found first.
    public var pollShare: [String: Double] = [:]
    /// Per provider, reports of status words its profile does not know.
    public var unknownStatusesByProvider: [String: Int64] = [:]
    /// Notifications to the app not delivered yet, and those given up on
    /// (dead letters, until re-driven): what an on-call alerts on.
    public var notificationsOpen: Int64 = 0
    public var notificationsDeadLettered: Int64 = 0
    /// The database file's size and its WAL's, in bytes.
    public var databaseBytes: Int64 = 0
    public var walBytes: Int64 = 0

    public init() {}
}
