/// Contributions add up: a group commit writes each account's and each
/// provider's row once with the sum of its events, and a rebuild sums a
/// chunk's before writing it. Every counter is a sum, times are the latest.
extension Contribution.Account {
    public mutating func add(_ other: Contribution.Account) {
        charged += other.charged
        refunded += other.refunded
        recharged += other.recharged
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
