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

    /// What the watchdog waits for of an open job.
    public enum Awaited: String, Sendable, Hashable, CaseIterable {
        /// Registered and nothing heard of it since: no external id, no report.
        case submission
        /// Submitted, or reported on by its provider (a provider that matches
        /// webhooks by our job id gives no external id).
        case completion

        /// The open status of a job awaiting this: what it awaits follows
        /// from its status alone, which the jobs projection stores.
        public var status: JobStatus { self == .submission ? .registered : .processing }

        /// Why a job stuck awaiting this is listed (the stuck report, the admin list).
        public var stuckReason: String { self == .submission ? "never submitted" : "processing past stuck_after" }
    }

    /// What the watchdog waits for of `job`, and since when; nil for a job
    /// that is terminal (no open status) or whose registration is not known. The one
    /// definition of where a job's watchdog clock starts: the `stuck_jobs`
    /// view and the stuck read models select by the same facts (`status`,
    /// `coalesce(submitted_at, registered_at)`).
    public static func awaited(_ job: JobState) -> (awaited: Awaited, since: Timestamp)? {
        // Rows read from the jobs projection carry `registeredAt`, not the registration itself.
        guard let registeredAt = job.registeredAt, let awaited = Awaited.allCases.first(where: { $0.status == job.status }) else {
            return nil
        }
        return (awaited, job.submittedAt ?? registeredAt)
    }

    /// What a look judged a job by: what it awaited, and whether it had been
    /// submitted (its wait runs from the submission, else the registration).
    /// Times are not compared: PostgreSQL raises a batch's recorded times
    /// when it is moved past another node's commits, in the rows, not in
    /// the writer's cache; whether a time is there at all is the same in both.
    public struct Judged: Sendable, Hashable {
        public var awaited: Awaited
        public var submitted: Bool

        /// Nil for a job the watchdog does not look at (ended, or not registered).
        public init?(_ job: JobState) {
            guard let (awaited, _) = WatchdogPolicy.awaited(job) else { return nil }
            self.awaited = awaited
            submitted = job.submittedAt != nil
        }

        public init(awaited: Awaited, submitted: Bool) {
            self.awaited = awaited
            self.submitted = submitted
        }
    }

    /// How long a job may wait for `awaited` before it is stuck (`submitDeadlineMilliseconds`
    /// for a submission, `stuckAfterMilliseconds` for a completion).
    public func waitAllowedMilliseconds(awaiting awaited: Awaited) -> Int64 {
        awaited == .submission ? submitDeadlineMilliseconds : stuckAfterMilliseconds
    }

    /// A job awaiting `awaited` since before this instant is stuck at `now`.
    public func stuckCutoff(awaiting awaited: Awaited, at now: Timestamp) -> Timestamp {
        now.adding(milliseconds: -waitAllowedMilliseconds(awaiting: awaited))
    }

    /// What the watchdog decides about `job` at `now`, or nil when it has nothing to say.
    public func look(at job: JobState, now: Timestamp) -> WatchdogDecision? {
        guard let (awaited, since) = Self.awaited(job) else { return nil }
        let ageMilliseconds = now.millisecondsSinceEpoch - since.millisecondsSinceEpoch
        func decision(_ verdict: WatchdogVerdict, _ reason: String, _ thresholdMilliseconds: Int64) -> WatchdogDecision {
            WatchdogDecision(decision: verdict, reason: reason, ageSeconds: ageMilliseconds / 1000, thresholdSeconds: thresholdMilliseconds / 1000)
        }
        if ageMilliseconds > deadlineMilliseconds {
            return decision(.fail, awaited == .submission ? "never submitted before the deadline" : "no terminal status before the deadline",
                            deadlineMilliseconds)
        }
        guard ageMilliseconds > waitAllowedMilliseconds(awaiting: awaited) else { return nil }
        return awaited == .submission
            ? decision(.wait, "never submitted (past submit_deadline)", submitDeadlineMilliseconds)
            : decision(.poll, "stuck: no terminal status past stuck_after", stuckAfterMilliseconds)
    }
}
