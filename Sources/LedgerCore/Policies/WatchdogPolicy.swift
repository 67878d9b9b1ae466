/// The watchdog's rules: a job still open past `stuckAfterMilliseconds` is
/// looked at and polled at once; past `deadlineMilliseconds` it fails (source
/// watchdog) and is refunded; a job never submitted past
/// `submitDeadlineMilliseconds` is flagged, and fails at the deadline too.
/// Pure: the time comes in as an argument.
public struct WatchdogPolicy: Sendable, Hashable {
    public var stuckAfterMilliseconds: Int64
    public var deadlineMilliseconds: Int64
    public var submitDeadlineMilliseconds: Int64

    public static let standard = WatchdogPolicy(stuckAfterMilliseconds: 2 * 3_600_000, deadlineMilliseconds: 24 * 3_600_000,
                                                submitDeadlineMilliseconds: 15 * 60_000)

    public init(stuckAfterMilliseconds: Int64, deadlineMilliseconds: Int64, submitDeadlineMilliseconds: Int64) {
        precondition(stuckAfterMilliseconds > 0 && deadlineMilliseconds > 0 && submitDeadlineMilliseconds > 0,
                     "watchdog thresholds must be positive")
        self.stuckAfterMilliseconds = stuckAfterMilliseconds
        self.deadlineMilliseconds = deadlineMilliseconds
        self.submitDeadlineMilliseconds = submitDeadlineMilliseconds
    }

    /// What the watchdog decides about `job` at `now`, or nil when it has nothing to say.
    public func look(at job: JobState, now: Timestamp) -> WatchdogDecision? {
        // Rows read from the jobs projection carry `registeredAt`, not the registration itself.
        guard !job.status.isTerminal, let registeredAt = job.registeredAt else { return nil }
        let since = job.externalID == nil ? registeredAt : (job.submittedAt ?? registeredAt)
        let age = now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
        func decision(_ verdict: WatchdogVerdict, _ reason: String, _ thresholdMilliseconds: Int64) -> WatchdogDecision {
            WatchdogDecision(decision: verdict, reason: reason, ageSeconds: age / 1000, thresholdSeconds: thresholdMilliseconds / 1000)
        }
        if age > deadlineMilliseconds {
            return decision(.fail, job.externalID == nil ? "never submitted before the deadline" : "no terminal status before the deadline",
                            deadlineMilliseconds)
        }
        if job.externalID == nil {
            return age > submitDeadlineMilliseconds ? decision(.wait, "never submitted (past submit_deadline)", submitDeadlineMilliseconds) : nil
        }
        return age > stuckAfterMilliseconds ? decision(.poll, "stuck: no terminal status past stuck_after", stuckAfterMilliseconds) : nil
    }
}
