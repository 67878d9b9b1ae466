import LedgerCore
import LedgerTesting
import Testing

/// Events arrive out of order (FAULTS 20): every order of the same facts that
/// shares its first terminal fact folds to the same job, whatever came before
/// or after it (progress, a poll, a contradiction, a redelivery).
@Suite struct OrderIndependenceTests {
    /// What a job ends as, without the positions and times that depend on the order.
    struct Ending: Hashable {
        var status: JobStatus
        var outputs: JSONValue
        var failureReason: String?
        var completionSource: EvidenceSource?
        var refunded: Int64
        var recharged: Int64
        var lateOutputs: JSONValue?
        var webhooks: Int64
        var duplicates: Int64
        var polls: Int64
        var terminalEvents: Int

        init(_ state: JobState, stream: [RecordedEvent]) {
            status = state.status
            outputs = state.outputs
            failureReason = state.failureReason
            completionSource = state.completionSource
            refunded = state.refundedAmount
            recharged = state.rechargedAmount
            lateOutputs = state.lateOutputs
            webhooks = state.webhookCount
            duplicates = state.duplicateCount
            polls = state.pollCount
            terminalEvents = stream.filter { [.jobCompleted, .jobFailed, .jobCancelled].contains($0.event.type) }.count
        }
    }

    static let output = JSONValue.array([.string("https://cdn.example/x.mp4")])

    /// The first terminal fact, and the five others: a progress webhook, a
    /// progress poll, a contradicting webhook, a poll agreeing with the
    /// first, and a redelivery of the first.
    static func facts(firstSucceeded: Bool) -> (first: LedgerRequest, others: [LedgerRequest], mustFollow: Set<Int>) {
        let (first, contrary): (ReportedStatus, ReportedStatus) = firstSucceeded ? (.completed, .failed) : (.failed, .completed)
        func outputs(_ status: ReportedStatus) -> JSONValue { status == .completed ? output : .null }
        let decisive = Fixtures.webhook("x", first, delivery: "d_first", outputs: outputs(first))
        let others: [LedgerRequest] = [
            Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "d_progress")),
            .job(jobID: "j", command: .poll(Fixtures.poll(.processing, attempt: 1)), metadata: Fixtures.app),
            Fixtures.deliver(Fixtures.webhook("x", contrary, delivery: "d_contrary", outputs: outputs(contrary))),
            .job(jobID: "j", command: .poll(Fixtures.poll(first, attempt: 2, outputs: outputs(first))), metadata: Fixtures.app),
            Fixtures.deliver(decisive),
        ]
        // The contradiction, the agreeing poll and the redelivery come after the first terminal fact.
        return (Fixtures.deliver(decisive), others, [2, 3, 4])
    }

    static func permutations(_ items: [Int]) -> [[Int]] {
        guard let head = items.first else { return [[]] }
        return permutations(Array(items.dropFirst())).flatMap { rest in
            (0...rest.count).map { index in var order = rest; order.insert(head, at: index); return order }
        }
    }

    @Test(arguments: [(true, LateCompletionPolicy.keepRefund), (true, .recharge), (false, .keepRefund), (false, .recharge)])
    func everyOrderSharingTheFirstTerminalFactEndsTheSame(_ firstSucceeded: Bool, _ policy: LateCompletionPolicy) {
        let (first, others, mustFollow) = Self.facts(firstSucceeded: firstSucceeded)
        var endings: [Ending: [Int]] = [:]
        var orders = 0
        for order in Self.permutations(Array(0..<others.count)) {
            // The first terminal fact goes anywhere before the facts that must follow it.
            let latest = order.firstIndex { mustFollow.contains($0) } ?? order.count
            for slot in 0...latest {
                var log = DeciderPropertyTests.MemoryLog(policy: policy)
                log.run(Fixtures.register("j", cost: 10, externalID: "x"))
                var requests = order.map { others[$0] }
                requests.insert(first, at: slot)
                for request in requests { log.run(request) }
                let stream = log.events.filter { $0.stream == StreamName.job("j") }
                let ending = Ending(log.states["j"]!, stream: stream)
                if endings[ending] == nil {
                    var shown = order  // -1 is the first terminal fact
                    shown.insert(-1, at: slot)
                    endings[ending] = shown
                }
                orders += 1
            }
        }
        #expect(orders > 100, "the orders tried: \(orders)")
        #expect(endings.count == 1, "\(endings.count) different endings; one per order shown: \(endings)")
        let ending = endings.keys.first
        #expect(ending?.status == (firstSucceeded ? .completed : .failed) && ending?.terminalEvents == 1)
        #expect(ending?.webhooks == 4 && ending?.duplicates == 1 && ending?.polls == 2, "every fact was taken: \(String(describing: ending))")
        #expect(ending?.refunded == (firstSucceeded ? 0 : 10))
        #expect(ending?.recharged == (!firstSucceeded && policy == .recharge ? 10 : 0))
        #expect(ending?.lateOutputs == (firstSucceeded ? nil : Self.output), "a success after a failure is a late completion")
    }
}
