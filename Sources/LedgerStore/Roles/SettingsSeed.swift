import LedgerCore

/// The rows a new ledger's `ledger_settings` starts with: the watchdog's
/// default thresholds, from ``WatchdogPolicy/standard``, the one place they
/// are written. Both engines' first migration inserts them, so that the
/// `stuck_jobs` view of a ledger `serve` never ran against judges as the
/// policy does; `serve` records the configured thresholds over them at every
/// start. A ledger keeps the rows it was created with: changing the default
/// changes new ledgers, never an existing one's recorded settings.
public enum SettingsSeed {
    public static var sql: String {
        let rows = WatchdogPolicy.standard.recordedSettings.sorted { $0.key < $1.key }.map { "('\($0.key)', '\($0.value)')" }
        return "INSERT INTO ledger_settings (key, value) VALUES \(rows.joined(separator: ", "));"
    }
}
