/// The watchdog's rules: a job still open past `stuckAfter` is
/// looked at and polled at once; past `deadline` it fails (source watchdog)
/// and is refunded; a job never submitted past `submitDeadline` is flagged,
/// and fails at the deadline too. Pure: the time comes in as an argument.
public struct WatchdogPolicy: Sendable, Hashable {
    public var stuckAfter: Int64
    public var deadline: Int64
    public var submitDeadline: Int64

    public static let standard = WatchdogPolicy(stuckAfter: 2 * 3_600_000, deadline: 24 * 3_600_000,
                                                submitDeadline: 15 * 60_000)

    public init(stuckAfter: Int64, deadline: Int64, submitDeadline: Int64) {
        precondition(stuckAfter > 0 && deadline > 0 && submitDeadline > 0, "watchdog thresholds must be positive")
        self.stuckAfter = stuckAfter
        self.deadline = deadline
        self.submitDeadline = submitDeadline
    }

    /// What the watchdog decides about `job` at `now`, or nil when it has nothing to say.
    public func look(at job: JobState, now: Timestamp) -> WatchdogDecision? {
        // Rows read from the jobs projection carry `registeredAt`, not the registration itself.
        guard !job.status.isTerminal, let registeredAt = job.registeredAt else { return nil }
        let since = job.externalID == nil ? registeredAt : (job.submittedAt ?? registeredAt)
        let age = now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
        func decision(_ verdict: WatchdogVerdict, _ reason: String, _ threshold: Int64) -> WatchdogDecision {
            WatchdogDecision(decision: verdict, reason: reason, ageSeconds: age / 1000, thresholdSeconds: threshold / 1000)
        }
        if age > deadline {
            return decision(.fail, job.externalID == nil ? "never submitted before the deadline" : "no terminal status before the deadline",
                            deadline)
        }
        if job.externalID == nil {
            return age > submitDeadline ? decision(.wait, "never submitted (past submit_deadline)", submitDeadline) : nil
        }
        return age > stuckAfter ? decision(.poll, "stuck: no terminal status past stuck_after", stuckAfter) : nil
    }
}
