import LedgerCore

/// `verify`'s one walk over the log in position order, the same on every
/// engine: each event continues the chain (checked until its first break;
/// after a break every later hash is suspect anyway) and is folded into the
/// invariants (every event, break or not). The engine feeds the events,
/// then hands over its projected balances to be compared.
public struct VerifyWalk {
    public private(set) var report = VerificationReport()
    private var chain: ChainCheck
    private var chainBroken = false
    private var invariants = InvariantFold()
    /// Events this build cannot read (changed, or written by a newer ledger): named, never silently passed.
    private var undecodable: [(position: Int64, stream: String, reason: String)] = []
    private let codec = EventCodec()
    private let progressEvery: Int64

    /// `retentionRuns`: the retention stream's events (``ChainCheck/runs(in:codec:)``).
    public init(retentionRuns: [StoredEvent], progressEvery: Int64 = 100_000) {
        chain = ChainCheck(runs: ChainCheck.runs(in: retentionRuns))
        self.progressEvery = progressEvery
    }

    /// The digest retention recorded for a redacted position (the engine's `retention_redactions`).
    public mutating func useRecordedRedactions(_ lookUp: @escaping (Int64) -> String?) {
        chain.recordedRedaction = lookUp
    }

    /// The next event of the log; calls `progress` every `progressEvery` events.
    public mutating func visit(_ event: StoredEvent, progress: (Int64) -> Void) {
        report.eventsChecked += 1
        if !chainBroken, let problem = chain.check(event) {
            chainBroken = true
            report.findings.append(.init(check: "chain", position: event.position, detail: problem))
        }
        fold(event)
        if report.eventsChecked % progressEvery == 0 { progress(report.eventsChecked) }
    }

    /// The report, once every event was visited: the chain's head if it held,
    /// each broken invariant, and the first account whose projected balance
    /// is not what its credit events moved.
    public func finish(projectedBalances: [(account: String, moves: CreditMoves)]) -> VerificationReport {
        var report = report
        if !chainBroken { report.head = chain.head }
        report.redactedBodies = chain.redactedEvents
        report.retentionRuns = chain.runCount
        for violation in invariants.violations() {
            report.findings.append(.init(check: "invariant", position: violation.position,
                                         detail: "\(violation.stream): \(violation.rule.text)"))
        }
        for undecoded in undecodable {
            report.findings.append(.init(check: "decode", position: undecoded.position,
                                         detail: "\(undecoded.stream): the event does not decode (\(undecoded.reason)); no rule was judged on it"))
        }
        if let account = invariants.firstBalanceMismatch(projected: projectedBalances) {
            // The balance is derived from the log: rebuilt, never restored.
            report.findings.append(.init(check: "invariant", position: nil,
                                         detail: "account \(account): balance differs from its credit events; run `ledger rebuild`",
                                         remedy: "ledger rebuild"))
        }
        return report
    }

    /// An event that does not decode takes its place in its stream and is
    /// named (the first hundred): a rule cannot be judged on what cannot be read.
    private mutating func fold(_ stored: StoredEvent) {
        var event: LedgerEvent?
        do {
            event = try decodeForFold(stored)
        } catch {
            if undecodable.count < 100 { undecodable.append((stored.position, stored.stream, "\(error)")) }
        }
        invariants.observe(position: stored.position, stream: stored.stream, version: stored.version, event: event)
    }

    /// Through the codec's byte path with `foldOnly`, as rebuild reads: the
    /// rules never read a webhook's body, so it is validated, not copied.
    private func decodeForFold(_ stored: StoredEvent) throws(EventDecodingError) -> LedgerEvent {
        guard let type = EventType(rawValue: stored.type) else {
            return try codec.decode(type: stored.type, schemaVersion: stored.schemaVersion, data: stored.data)
        }
        var data = stored.data
        return try data.withUTF8 { bytes in
            Result { () throws(EventDecodingError) in
                try codec.decode(type: type, schemaVersion: stored.schemaVersion, utf8: bytes, foldOnly: true)
            }
        }.get()
    }
}
