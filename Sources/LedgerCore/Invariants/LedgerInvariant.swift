/// A rule `ledger verify` and `import` hold the log to. Judged by one fold
/// over the log in position order (``InvariantFold``), the same on every
/// engine: the log is read as events, never as SQL over JSON.
public enum LedgerInvariant: Int, CaseIterable, Sendable {
    case oneTerminalOutcome
    case refundedOnce
    case noRefundOfACompletedJob
    case failedChargedJobRefunded
    case refundIsTheCost
    case rechargedOnceAfterALateCompletion
    case refundAfterAFailure
    case creditsToTheJobsAccount
    case rechargeIsWhatWasRefunded
    case evidenceIsNotADuplicate
    case versionsWithoutAGap
    case jobStartsRegistered
    case evidenceIsAnEarlierEventOfTheStream
    case registeredOnce

    /// The rule in the words `verify` prints after the stream's name.
    public var text: String {
        switch self {
        case .oneTerminalOutcome: "more than one terminal outcome (job.completed / job.failed / job.cancelled)"
        case .refundedOnce: "refunded more than once"
        case .noRefundOfACompletedJob: "refunded although the job completed"
        case .failedChargedJobRefunded: "a charged job failed or was cancelled without its refund"
        case .refundIsTheCost: "refund amount differs from the job's cost"
        case .rechargedOnceAfterALateCompletion: "recharged more than once, or without a late completion"
        case .refundAfterAFailure: "a refund without an earlier job.failed or job.cancelled in its stream"
        case .creditsToTheJobsAccount: "a refund or recharge to an account other than the job's"
        case .rechargeIsWhatWasRefunded: "a recharge that is not the amount refunded before it"
        case .evidenceIsNotADuplicate: "a decision whose evidence is a duplicate webhook"
        case .versionsWithoutAGap: "stream versions with a gap"
        case .jobStartsRegistered: "a job stream that does not start with job.registered"
        case .evidenceIsAnEarlierEventOfTheStream: "a decision whose evidence_position is not an earlier event of its stream"
        case .registeredOnce: "a job registered more than once (its account charged again)"
        }
    }
}

/// The rules in words, in order (`rules[i]` is ``LedgerInvariant`` raw value `i`).
public enum LedgerInvariants {
    public static let rules = LedgerInvariant.allCases.map(\.text)
}
