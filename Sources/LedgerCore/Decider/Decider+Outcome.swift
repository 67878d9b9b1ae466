extension Decider {
    /// One report of a job's status, whatever channel it came through.
    struct Evidence {
        var status: ReportedStatus
        var outputs: JSONValue
        var error: String?
        var source: EvidenceSource
    }

    /// The decisions one report causes. Only the first terminal evidence
    /// decides; completion after a failure is a late completion; anything else
    /// after the terminal outcome is recorded by the fact alone.
    static func outcome(of report: Evidence, state: JobState, context: DecisionContext) -> [LedgerEvent] {
        let evidencePosition = context.factPosition
        switch report.status {
        case .completed:
            if !state.status.isTerminal {
                return [.jobCompleted(JobCompleted(source: report.source, outputs: report.outputs,
                                                   evidencePosition: evidencePosition))]
            }
            return lateCompletion(report, state: state, context: context)
        case .failed where !state.status.isTerminal:
            let reason = report.error ?? "\(report.source.rawValue) reported failed"
            return [.jobFailed(JobFailed(source: report.source, reason: reason, evidencePosition: evidencePosition))]
                + refund(state: state, evidencePosition: evidencePosition)
        case .cancelled where !state.status.isTerminal:
            let reason = report.error ?? "\(report.source.rawValue) reported cancelled"
            return [.jobCancelled(JobCancelled(source: report.source, reason: reason, evidencePosition: evidencePosition))]
                + refund(state: state, evidencePosition: evidencePosition)
        case .failed, .cancelled, .queued, .processing, .unknown:
            return []
        }
    }

    /// Completion evidence for a failed or cancelled job, once. Under
    /// `recharge` the refund is taken back; under `keep_refund` it stays.
    private static func lateCompletion(_ report: Evidence, state: JobState, context: DecisionContext) -> [LedgerEvent] {
        guard state.status != .completed, state.lateCompletedAt == nil else { return [] }
        let policy = context.lateCompletionPolicy
        let late = JobLateCompletion(source: report.source, outputs: report.outputs, policy: policy,
                                     evidencePosition: context.factPosition)
        let outstanding = state.refundedAmount - state.rechargedAmount
        guard policy == .recharge, outstanding > 0 else { return [.jobLateCompletion(late)] }
        let recharge = CreditRecharged(account: state.account, amount: outstanding, evidencePosition: context.factPosition)
        return [.jobLateCompletion(late), .creditRecharged(recharge)]
    }

    /// The refund of a charged job, exactly once.
    static func refund(state: JobState, evidencePosition: Int64) -> [LedgerEvent] {
        guard state.cost > 0, state.refundedAmount == 0 else { return [] }
        return [.creditRefunded(CreditRefunded(account: state.account, amount: state.cost,
                                               evidencePosition: evidencePosition))]
    }
}
