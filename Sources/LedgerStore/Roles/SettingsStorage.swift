import LedgerCore

/// Settings `serve` records for the processes that decide beside it (the
/// cron watchdog and notifier, `ledger doctor`, the admin front page): the
/// watchdog's thresholds, the late-completion policy, notifications on or off.
public protocol SettingsStorage: Sendable {
    func recordSettings(_ settings: [String: String]) async throws(StoreError)
    func recordedSettings() async throws(StoreError) -> [String: String]
}

extension SettingsStorage {
    /// The watchdog's thresholds `serve` recorded (the defaults for any it did
    /// not): what `ledger doctor`, `ledger audit stuck` and the admin pages judge stuck jobs by.
    public func recordedWatchdogPolicy() async throws(StoreError) -> WatchdogPolicy {
        WatchdogPolicy.standard.recorded(try await recordedSettings())
    }
}
