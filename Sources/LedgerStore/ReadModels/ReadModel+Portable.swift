import LedgerCore

extension ReadModel {
    /// The SQL of a read model whose text is the same on every engine; nil
    /// for the others, which each dialect writes in its own words.
    public var portableSQL: String? {
        switch self {
        case .jobsByStatus: "SELECT status, count(*) AS jobs FROM jobs GROUP BY status ORDER BY status"
        case .balances(let limit): "SELECT account, charged, refunded, recharged, net FROM accounts ORDER BY account LIMIT \(limit)"
        case .providerHealth: "SELECT * FROM provider_health ORDER BY provider"
        case .deadLetters(let limit): NotificationReads.deadLettersSQL + " LIMIT \(limit)"
        case .overdueNotifications(let before): NotificationReads.overdueSQL(queuedBefore: before)
        case .stuckJobs(let at, let policy): StuckJobs.countsSQL(at: at, policy: policy)
        case .page(let page) where page.list == .deadLetters: page.sql(wrapping: NotificationReads.deadLettersSQL)
        case .page(let page):
            if case .deliveries = page.list { page.sql(wrapping: NotificationReads.deliveriesSQL) } else { nil }
        default: nil
        }
    }
}
