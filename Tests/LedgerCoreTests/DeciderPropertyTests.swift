import LedgerCore
import LedgerStore
import LedgerTesting
import Testing

/// Random interleavings, duplications and reorderings of webhook, poll,
/// watchdog and operator facts, decided and folded in memory, against the
/// invariants of SPEC §3 and the fold's consistency.
@Suite struct DeciderPropertyTests {
    /// A minimal in-memory log: enough to run the decider as the store does.
    struct MemoryLog {
        var events: [RecordedEvent] = []
        var states: [String: JobState] = [:]
        var policy: LateCompletionPolicy

        mutating func run(_ request: LedgerRequest) {
            guard case .job(let jobID, let command, let metadata) = request else {
                if case .webhook(let webhook, _, let metadata) = request,
                   let owner = states.values.first(where: { $0.externalID == webhook.externalID }) {
                    run(.job(jobID: owner.jobID, command: .webhook(webhook), metadata: metadata))
                }
                return
            }
            var state = states[jobID] ?? JobState(jobID: jobID)
            let context = DecisionContext(now: Timestamp(millisecondsSinceEpoch: Int64(events.count)),
                                          lateCompletionPolicy: policy, factPosition: Int64(events.count + 1))
            guard let decided = try? Decider.decide(command, state: state, context: context) else { return }
            for event in decided {
                let recorded = RecordedEvent(position: Int64(events.count + 1), stream: StreamName.job(jobID),
                                             version: state.version + 1, event: event,
                                             recordedAt: context.now, metadata: metadata)
                state.apply(recorded)
                events.append(recorded)
            }
            states[jobID] = state
        }
    }

    @Test(arguments: Array(UInt64(1)...UInt64(60)))
    func invariantsHoldUnderRandomInterleavings(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let policy: LateCompletionPolicy = seed % 2 == 0 ? .keepRefund : .recharge
        var log = MemoryLog(policy: policy)
        for request in RandomWorkload(jobCount: 12, stepsPerJob: 10).requests(using: &generator) { log.run(request) }

        for (jobID, state) in log.states {
            let stream = log.events.filter { $0.stream == StreamName.job(jobID) }
            let types = stream.map(\.event.type)
            let terminal = types.filter { [.jobCompleted, .jobFailed, .jobCancelled].contains($0) }
            let refunds = types.filter { $0 == .creditRefunded }.count
            let recharges = types.filter { $0 == .creditRecharged }.count
            #expect(terminal.count <= 1, "seed \(seed) \(jobID): one terminal outcome, got \(terminal)")
            #expect(refunds <= 1, "seed \(seed) \(jobID): refunded \(refunds) times")
            if types.contains(.jobCompleted) { #expect(refunds == 0, "seed \(seed) \(jobID): refund for a completed job") }
            if state.cost > 0, state.status == .failed || state.status == .cancelled {
                #expect(state.refundedAmount == state.cost, "seed \(seed) \(jobID): refund exactly the cost")
            }
            #expect(recharges <= (types.contains(.jobLateCompletion) && policy == .recharge ? 1 : 0),
                    "seed \(seed) \(jobID): recharge only after a late completion under recharge")
            // Duplicates decide nothing: no decision names a duplicate as its evidence.
            let duplicatePositions = Set(stream.compactMap { recorded -> Int64? in
                if case .webhookReceived(let webhook) = recorded.event, webhook.duplicate { return recorded.position }
                return nil
            })
            #expect(stream.compactMap { evidence(of: $0.event) }.allSatisfy { !duplicatePositions.contains($0) },
                    "seed \(seed) \(jobID): a duplicate decided something")
        }
        // Folding all at once == folding one by one.
        for (jobID, state) in log.states {
            let stream = log.events.filter { $0.stream == StreamName.job(jobID) }
            #expect(JobState.fold(jobID: jobID, stream) == state)
        }
    }

    private func evidence(of event: LedgerEvent) -> Int64? {
        switch event {
        case .jobCompleted(let decision): decision.evidencePosition
        case .jobFailed(let decision): decision.evidencePosition
        case .jobCancelled(let decision): decision.evidencePosition
        case .creditRefunded(let decision): decision.evidencePosition
        case .jobLateCompletion(let decision): decision.evidencePosition
        default: nil
        }
    }
}
