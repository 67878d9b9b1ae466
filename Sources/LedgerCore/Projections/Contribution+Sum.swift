/// Contributions add up: a group commit writes each account's and each
/// provider's row once with the sum of its events, and a rebuild sums a
/// chunk's before writing it. Every counter is a sum, times are the latest.
extension Contribution.Account {
    /// Adds `other`; false, adding nothing, when a sum would pass what 64 bits
    /// hold (two registrations near 2^63 in one batch, or a forged log's):
    /// the caller refuses the batch rather than trap.
    public mutating func add(_ other: Contribution.Account) -> Bool {
        let sums = (charged.addingReportingOverflow(other.charged), refunded.addingReportingOverflow(other.refunded),
                    recharged.addingReportingOverflow(other.recharged))
        guard !sums.0.overflow, !sums.1.overflow, !sums.2.overflow else { return false }
        (charged, refunded, recharged) = (sums.0.partialValue, sums.1.partialValue, sums.2.partialValue)
        return true
    }
}

extension Contribution.Provider {
    /// Adds every counter and time of `other` but its unknown status words:
    /// a batch sums those per provider and word on their own
    /// (``ProjectionDelta``), and copying the words out of every webhook's
    /// contribution only to drop them showed in a rebuild's profile.
    public mutating func addCounts(_ other: Contribution.Provider) {
        webhooks += other.webhooks
        duplicates += other.duplicates
        orphans += other.orphans
        lateWebhooks += other.lateWebhooks
        conflicts += other.conflicts
        for (source, count) in other.terminalBySource { terminalBySource[source, default: 0] += count }
        if let at = other.lastWebhookAt, lastWebhookAt.map({ at > $0 }) ?? true { lastWebhookAt = at }
    }
}
