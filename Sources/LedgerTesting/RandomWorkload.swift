import LedgerCore
import LedgerStore

/// Random interleavings of everything that can happen to jobs: registration,
/// submission, webhooks (duplicated, reordered, contradicting, arriving
/// before the job is submitted), polls, watchdog decisions, cancellations and
/// operator resolutions.
public struct RandomWorkload {
    public var jobCount: Int
    public var stepsPerJob: Int

    public init(jobCount: Int, stepsPerJob: Int = 8) {
        self.jobCount = jobCount
        self.stepsPerJob = stepsPerJob
    }

    /// The requests in a random global order; each job's registration comes
    /// first among its own requests, everything else is shuffled.
    public func requests(using generator: inout SeededGenerator) -> [LedgerRequest] {
        var perJob: [[LedgerRequest]] = (0..<jobCount).map { index in
            jobRequests(index, using: &generator)
        }
        var merged: [LedgerRequest] = []
        while !perJob.isEmpty {
            let pick = Int.random(in: 0..<perJob.count, using: &generator)
            merged.append(perJob[pick].removeFirst())
            if perJob[pick].isEmpty { perJob.remove(at: pick) }
        }
        return merged
    }

    private func jobRequests(_ index: Int, using generator: inout SeededGenerator) -> [LedgerRequest] {
        let jobID = "job_\(index)"
        let externalID = "ext_\(index)"
        let cost = Int64.random(in: 0...3, using: &generator) * 10
        var steps: [LedgerRequest] = []
        var deliveries: [WebhookReceived] = []
        for step in 0..<stepsPerJob {
            switch Int.random(in: 0..<11, using: &generator) {
            case 0...3:
                let status = ReportedStatus.allCases.randomElement(using: &generator) ?? .unknown
                let webhook = Fixtures.webhook(externalID, status, delivery: "d_\(index)_\(step)",
                                               outputs: status == .completed ? .array([.string("https://cdn/\(index).mp4")]) : .null)
                deliveries.append(webhook)
                steps.append(Fixtures.deliver(webhook))
            case 4:
                if let again = deliveries.randomElement(using: &generator) { steps.append(Fixtures.deliver(again)) }
            case 5:
                let status = ReportedStatus.allCases.randomElement(using: &generator) ?? .unknown
                steps.append(.job(jobID: jobID, command: .poll(Fixtures.poll(status, attempt: step + 1)), metadata: Fixtures.app))
            case 6:
                let verdict = WatchdogVerdict.allCases.randomElement(using: &generator) ?? .wait
                let look = WatchdogDecision(decision: verdict, reason: "deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
                steps.append(.job(jobID: jobID, command: .watchdog(look), metadata: Fixtures.app))
            case 7:
                steps.append(.job(jobID: jobID, command: .cancel(reason: "user cancelled"), metadata: Fixtures.app))
            case 8:
                let action = OperatorAction(operatorName: "ops", action: "resolve_completed", reason: "checked by hand")
                steps.append(.job(jobID: jobID, command: .resolveCompleted(action, outputs: .string("manual")), metadata: Fixtures.app))
            case 9:
                // Often twice in a row: the repeat must record nothing.
                let action = OperatorAction(operatorName: "ops", action: "reevaluate", reason: "re-drive")
                steps.append(.job(jobID: jobID, command: .reevaluate(action), metadata: Fixtures.app))
            default:
                let action = OperatorAction(operatorName: "ops", action: "resolve_failed", reason: "provider lost it")
                steps.append(.job(jobID: jobID, command: .resolveFailed(action), metadata: Fixtures.app))
            }
        }
        // Submission lands at a random point, so some webhooks arrive as orphans first.
        let submitAt = Int.random(in: 0...steps.count, using: &generator)
        steps.insert(Fixtures.submit(jobID, externalID), at: submitAt)
        return [Fixtures.register(jobID, cost: cost)] + steps
    }
}
