/// The thresholds as `ledger serve` records them in the ledger
/// (`ledger_settings`, whole seconds), so that a cron `ledger watchdog
/// --once`, `ledger doctor`, the admin pages and the `stuck_jobs` view judge
/// by the thresholds the server runs with.
extension WatchdogPolicy {
    public enum RecordedKey {
        public static let stuckAfter = "stuck_after_s"
        public static let deadline = "deadline_s"
        public static let submitDeadline = "submit_deadline_s"
    }

    /// The thresholds as recorded settings.
    public var recordedSettings: [String: String] {
        [RecordedKey.stuckAfter: String(stuckAfterMilliseconds / 1000), RecordedKey.deadline: String(deadlineMilliseconds / 1000),
         RecordedKey.submitDeadline: String(submitDeadlineMilliseconds / 1000)]
    }

    /// This policy with each threshold `settings` records (a positive whole
    /// number of seconds) in place of its own.
    public func recorded(_ settings: [String: String]) -> WatchdogPolicy {
        func milliseconds(_ key: String, _ own: Int64) -> Int64 {
            guard let seconds = settings[key].flatMap(Int64.init), seconds > 0, seconds < Int64.max / 1000 else { return own }
            return seconds * 1000
        }
        return WatchdogPolicy(stuckAfterMilliseconds: milliseconds(RecordedKey.stuckAfter, stuckAfterMilliseconds),
                              deadlineMilliseconds: milliseconds(RecordedKey.deadline, deadlineMilliseconds),
                              submitDeadlineMilliseconds: milliseconds(RecordedKey.submitDeadline, submitDeadlineMilliseconds))
    }
}
