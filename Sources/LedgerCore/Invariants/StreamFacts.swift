/// What ``InvariantFold`` keeps of one stream: just enough to judge, at the
/// end of the walk, the rules about the stream as a whole.
struct StreamFacts: Sendable {
    /// A refund or recharge: where, how much, to whom.
    struct Credit: Sendable {
        var position: Int64
        var amount: Int64
        var account: String
    }

    let name: String
    let isJob: Bool
    let firstPosition: Int64
    var events: Int64 = 0
    var highestVersion: Int64 = 0
    /// Every `job.registered`'s cost and account (one, in a log the service
    /// wrote; each rule about the registration holds against all of them).
    var registrations: [(position: Int64, cost: Int64, account: String)] = []
    var terminals = 0
    var completed = false
    var firstFailure: Int64?
    var lateCompletion = false
    var refunds: [Credit] = []
    var recharges: [Credit] = []

    init(name: String, firstPosition: Int64) {
        self.name = name
        // By bytes, as the database compares: "job-" then a combining mark is still a job stream there.
        isJob = name.utf8.starts(with: "job-".utf8)
        self.firstPosition = firstPosition
    }

    mutating func observe(version: Int64) {
        events += 1
        highestVersion = max(highestVersion, version)
    }

    /// The rules this stream breaks as a whole, each with the position it names.
    func brokenByTheWhole() -> [(LedgerInvariant, Int64)] {
        var broken: [(LedgerInvariant, Int64)] = []
        if highestVersion != events { broken.append((.versionsWithoutAGap, firstPosition)) }
        if refunds.count > 1 { broken.append((.refundedOnce, refunds[1].position)) }
        if registrations.count > 1 { broken.append((.registeredOnce, registrations[1].position)) }
        if completed, let refund = refunds.first { broken.append((.noRefundOfACompletedJob, refund.position)) }
        if registrations.contains(where: { $0.cost > 0 }), let failure = firstFailure, refunds.isEmpty {
            broken.append((.failedChargedJobRefunded, failure))
        }
        if let first = recharges.first, recharges.count > 1 || !lateCompletion {
            broken.append((.rechargedOnceAfterALateCompletion, first.position))
        }
        if let refund = refunds.first(where: { refund in registrations.contains { $0.cost != refund.amount } }) {
            broken.append((.refundIsTheCost, refund.position))
        }
        let credits = (refunds + recharges).sorted { $0.position < $1.position }
        if let credit = credits.first(where: { credit in registrations.contains { !ExactText.equal($0.account, credit.account) } }) {
            broken.append((.creditsToTheJobsAccount, credit.position))
        }
        return broken
    }
}
