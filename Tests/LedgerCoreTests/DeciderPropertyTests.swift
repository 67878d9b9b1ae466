import LedgerCore
import LedgerStore
import LedgerTesting
import Testing

/// Random interleavings, duplications and reorderings of webhook, poll,
/// watchdog and operator facts, decided and folded in memory, against the
/// invariants of the ledger and the fold's consistency.
@Suite struct DeciderPropertyTests {
    /// A minimal in-memory log that runs the core's command handler as the
    /// store does: routing, orphans and their adoption included.
    struct MemoryLog: LedgerReader {
        var events: [RecordedEvent] = []
        var states: [String: JobState] = [:]
        var policy: LateCompletionPolicy
        /// Orphans adopted so far, by their position.
        var adopted: Set<Int64> = []

        mutating func run(_ request: LedgerRequest) {
            let context = DecisionContext(now: Timestamp(millisecondsSinceEpoch: Int64(events.count)),
                                          lateCompletionPolicy: policy, factPosition: Int64(events.count + 1))
            guard let plan = try? CommandHandler.handle(request, context: context, reader: self) else { return }
            for append in plan.appends {
                precondition(append.expectedVersion == (try? streamVersion(append.stream)), "the plan was decided on this version")
                for (offset, new) in append.events.enumerated() {
                    let recorded = RecordedEvent(position: Int64(events.count + 1), stream: append.stream,
                                                 version: append.expectedVersion + Int64(offset) + 1, event: new.event,
                                                 recordedAt: context.now, metadata: new.metadata)
                    if let jobID = StreamName.jobID(of: append.stream) {
                        var state = states[jobID] ?? JobState(jobID: jobID)
                        state.apply(recorded)
                        states[jobID] = state
                    }
                    if case .webhookReceived(let webhook) = new.event, let orphan = webhook.adoptedFrom { adopted.insert(orphan) }
                    events.append(recorded)
                }
            }
        }

        func jobState(_ jobID: String) throws -> JobState { states[jobID] ?? JobState(jobID: jobID) }

        func jobID(provider: String, externalID: String) throws -> String? {
            states.values.first { $0.provider == provider && $0.externalID == externalID }?.jobID
        }

        func orphans(provider: String, externalID: String) -> [RecordedEvent] {
            events.filter { recorded in
                guard recorded.stream == StreamName.orphans(provider), case .webhookReceived(let webhook) = recorded.event else { return false }
                return webhook.externalID == externalID
            }
        }

        func waitingOrphans(provider: String, externalID: String) throws -> [RecordedEvent] {
            orphans(provider: provider, externalID: externalID).filter { !adopted.contains($0.position) }
        }

        func orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String) throws -> Bool {
            orphans(provider: provider, externalID: externalID).contains { recorded in
                guard case .webhookReceived(let webhook) = recorded.event else { return false }
                return webhook.deliveryID == deliveryID || webhook.bodySHA256 == bodySHA256
            }
        }

        func streamVersion(_ stream: String) throws -> Int64 { Int64(events.filter { $0.stream == stream }.count) }
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
        // Nothing acknowledged is lost: every job was submitted in the end, so every orphan was adopted.
        let orphans = log.events.filter { $0.stream.hasPrefix("orphans-") }
        #expect(orphans.allSatisfy { log.adopted.contains($0.position) }, "seed \(seed): an orphan never adopted")
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

    /// The floor: a handler that refuses everything, decides nothing or never
    /// adopts passes the invariants above; the workload must show it deciding.
    @Test func theWorkloadExercisesEveryRule() {
        var totals: [String: Int] = [:]
        for seed in UInt64(1)...UInt64(60) {
            var generator = SeededGenerator(seed: seed)
            var log = MemoryLog(policy: seed % 2 == 0 ? .keepRefund : .recharge)
            for request in RandomWorkload(jobCount: 12, stepsPerJob: 10).requests(using: &generator) { log.run(request) }
            #expect(log.states.values.filter(\.isRegistered).count == 12, "seed \(seed): every job registered")
            for recorded in log.events {
                switch recorded.event {
                case .webhookReceived where recorded.stream.hasPrefix("orphans-"): totals["orphans", default: 0] += 1
                case .webhookReceived(let webhook) where webhook.adoptedFrom != nil: totals["adopted", default: 0] += 1
                case .webhookReceived(let webhook) where webhook.duplicate: totals["duplicates", default: 0] += 1
                case .jobCompleted, .jobFailed, .jobCancelled: totals["terminal", default: 0] += 1
                case .creditRefunded: totals["refunds", default: 0] += 1
                case .jobLateCompletion: totals["late", default: 0] += 1
                case .creditRecharged: totals["recharges", default: 0] += 1
                default: break
                }
            }
        }
        for rule in ["orphans", "adopted", "duplicates", "terminal", "refunds", "late", "recharges"] {
            #expect(totals[rule, default: 0] >= 20, "\(rule): \(totals[rule, default: 0]) over 60 seeds")
        }
        #expect(totals["adopted"] == totals["orphans"], "every orphan adopted once: \(totals)")
    }
}
