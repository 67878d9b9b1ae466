/// The invariants of the log (``LedgerInvariant``) judged in one pass over
/// its events in position order, and the credit moves of every account the
/// job streams hold. Each rule is named once, at its earliest violation: a
/// rule that one event breaks is judged as the event passes; a rule about
/// what a stream lacks (a refund, a late completion) when the walk ends.
///
/// Memory: one small record per stream and four bytes per position (which
/// stream holds it, for evidence checks): `ledger verify` of a log of 1.01 M
/// events in 88 k streams peaked at 23 MB of anonymous memory, all told.
public struct InvariantFold: Sendable {
    /// A rule broken at `position` in `stream`.
    public struct Violation: Sendable, Hashable {
        public var rule: LedgerInvariant
        public var position: Int64
        public var stream: String

        public init(rule: LedgerInvariant, position: Int64, stream: String) {
            self.rule = rule
            self.position = position
            self.stream = stream
        }
    }

    private var streamIDs: [ExactText: Int32] = [:]
    private var streams: [StreamFacts] = []
    /// The stream of position `p` at index `p - 1`, while positions come one
    /// after another from 1 (a verified log); any other position in `scattered`.
    private var streamOfPosition: [Int32] = []
    private var scattered: [Int64: Int32] = [:]
    private var duplicateWebhooks: Set<Int64> = []
    /// Decisions citing a later position: judged against duplicates at the end.
    private var laterEvidence: [(position: Int64, evidence: Int64, stream: Int32)] = []
    private var earliest: [LedgerInvariant: Violation] = [:]
    /// What the job streams charged, refunded and recharged, by account.
    private var moves: [ExactText: CreditMoves] = [:]

    public init() {}

    /// Folds the event stored at `position`, version `version` of `stream`;
    /// `nil` for an event that does not decode, which only takes its place.
    public mutating func observe(position: Int64, stream: String, version: Int64, event: LedgerEvent?) {
        let id = streamID(stream, firstPosition: position)
        record(position, in: id)
        streams[Int(id)].observe(version: version)
        guard let event else { return }
        if version == 1, streams[Int(id)].isJob, event.type != .jobRegistered {
            note(.jobStartsRegistered, at: position, id)
        }
        if let evidence = event.decisionEvidence { judge(decision: position, citing: evidence, id) }
        switch event {
        case .jobRegistered(let registered):
            streams[Int(id)].registrations.append((position, registered.cost, registered.account))
            move(registered.account, id) { $0.charged &+= registered.cost }
        case .jobCompleted:
            terminal(at: position, id)
            streams[Int(id)].completed = true
        case .jobFailed, .jobCancelled:
            terminal(at: position, id)
            if streams[Int(id)].firstFailure == nil { streams[Int(id)].firstFailure = position }
        case .jobLateCompletion:
            streams[Int(id)].lateCompletion = true
        case .creditRefunded(let refund):
            if streams[Int(id)].firstFailure == nil { note(.refundAfterAFailure, at: position, id) }
            streams[Int(id)].refunds.append(.init(position: position, amount: refund.amount, account: refund.account))
            move(refund.account, id) { $0.refunded &+= refund.amount }
        case .creditRecharged(let recharge):
            let refundedBefore = streams[Int(id)].refunds.reduce(Int64(0)) { $0 &+ $1.amount }
            if recharge.amount != refundedBefore { note(.rechargeIsWhatWasRefunded, at: position, id) }
            streams[Int(id)].recharges.append(.init(position: position, amount: recharge.amount, account: recharge.account))
            move(recharge.account, id) { $0.recharged &+= recharge.amount }
        case .webhookReceived(let webhook):
            if webhook.duplicate { duplicateWebhooks.insert(position) }
        default:
            break
        }
    }

    /// Every rule the log breaks, each at its earliest violation, in rule order.
    public func violations() -> [Violation] {
        var found = earliest
        for facts in streams {
            for (rule, position) in facts.brokenByTheWhole() {
                keepEarliest(&found, Violation(rule: rule, position: position, stream: facts.name))
            }
        }
        for later in laterEvidence where duplicateWebhooks.contains(later.evidence) {
            keepEarliest(&found, Violation(rule: .evidenceIsNotADuplicate, position: later.position, stream: streams[Int(later.stream)].name))
        }
        return LedgerInvariant.allCases.compactMap { found[$0] }
    }

    /// The first account (in name order) whose projected balance is not what
    /// the job streams moved, on either side: an account the events move but
    /// the projection lacks, or a projected account no event moves.
    /// Accounts are compared byte for byte, as the database keys them.
    public func firstBalanceMismatch(projected: [(account: String, moves: CreditMoves)]) -> String? {
        var held: [ExactText: CreditMoves] = [:]
        for row in projected { held[ExactText(row.account)] = row.moves }
        return Set(moves.keys).union(held.keys).sorted().first { moves[$0] != held[$0] }?.text
    }

    private mutating func streamID(_ stream: String, firstPosition: Int64) -> Int32 {
        let key = ExactText(stream)
        if let id = streamIDs[key] { return id }
        let id = Int32(streams.count)
        streamIDs[key] = id
        streams.append(StreamFacts(name: stream, firstPosition: firstPosition))
        return id
    }

    private mutating func record(_ position: Int64, in id: Int32) {
        if position == Int64(streamOfPosition.count) + 1 { streamOfPosition.append(id) } else { scattered[position] = id }
    }

    private func stream(at position: Int64) -> Int32? {
        if position >= 1, position <= Int64(streamOfPosition.count) { return streamOfPosition[Int(position - 1)] }
        return scattered[position]
    }

    /// A decision's evidence must be an earlier (or its own) event of its
    /// stream, and never a webhook recorded as a duplicate.
    private mutating func judge(decision position: Int64, citing evidence: Int64, _ id: Int32) {
        if evidence > position {
            laterEvidence.append((position, evidence, id))
            note(.evidenceIsAnEarlierEventOfTheStream, at: position, id)
            return
        }
        if stream(at: evidence) != id { note(.evidenceIsAnEarlierEventOfTheStream, at: position, id) }
        if duplicateWebhooks.contains(evidence) { note(.evidenceIsNotADuplicate, at: position, id) }
    }

    private mutating func terminal(at position: Int64, _ id: Int32) {
        streams[Int(id)].terminals += 1
        if streams[Int(id)].terminals == 2 { note(.oneTerminalOutcome, at: position, id) }
    }

    /// Credit moves count for job streams only (what the accounts projection folds).
    /// Sums wrap rather than trap: a tampered amount must not crash `verify`;
    /// a wrapped sum differs from the projection's and the balance check names it.
    private mutating func move(_ account: String, _ id: Int32, _ change: (inout CreditMoves) -> Void) {
        guard streams[Int(id)].isJob else { return }
        change(&moves[ExactText(account), default: CreditMoves()])
    }

    private mutating func note(_ rule: LedgerInvariant, at position: Int64, _ id: Int32) {
        keepEarliest(&earliest, Violation(rule: rule, position: position, stream: streams[Int(id)].name))
    }

    private func keepEarliest(_ found: inout [LedgerInvariant: Violation], _ violation: Violation) {
        if let kept = found[violation.rule], kept.position <= violation.position { return }
        found[violation.rule] = violation
    }
}

/// What an account was charged, refunded and recharged.
public struct CreditMoves: Sendable, Hashable {
    public var charged: Int64 = 0
    public var refunded: Int64 = 0
    public var recharged: Int64 = 0

    public init(charged: Int64 = 0, refunded: Int64 = 0, recharged: Int64 = 0) {
        self.charged = charged
        self.refunded = refunded
        self.recharged = recharged
    }
}

extension LedgerEvent {
    /// The position a decision cites as its evidence: the outcomes, the
    /// late completion and the refund (a recharge cites its late completion,
    /// which is itself such a decision).
    var decisionEvidence: Int64? {
        switch self {
        case .jobCompleted(let event): event.evidencePosition
        case .jobFailed(let event): event.evidencePosition
        case .jobCancelled(let event): event.evidencePosition
        case .jobLateCompletion(let event): event.evidencePosition
        case .creditRefunded(let event): event.evidencePosition
        default: nil
        }
    }
}
