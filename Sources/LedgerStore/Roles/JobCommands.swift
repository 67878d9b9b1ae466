import LedgerCore

/// Deciding: what every writer of the ledger (the HTTP routes, the poller,
/// the watchdog, the notifier, re-drives) needs of an engine, and all most
/// of them need to write.
public protocol JobCommands: Sendable {
    /// Decides `request` against the job's history and appends the fact with
    /// its decisions in one transaction. Returns once they are durable.
    func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome
}
