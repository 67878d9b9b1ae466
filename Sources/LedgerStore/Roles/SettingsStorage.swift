/// Settings `serve` records for the processes that decide beside it (the
/// cron watchdog and notifier, `ledger doctor`, the admin front page): the
/// watchdog's thresholds, the late-completion policy, notifications on or off.
public protocol SettingsStorage: Sendable {
    func recordSettings(_ settings: [String: String]) async throws(StoreError)
    func recordedSettings() async throws(StoreError) -> [String: String]
}
