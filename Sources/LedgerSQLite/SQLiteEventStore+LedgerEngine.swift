import LedgerStore

extension SQLiteEventStore: LedgerEngine {
    /// One file has one `ledger serve`: every claim is granted (a cron command
    /// beside it is kept from deciding twice by the decider, under the write lock).
    public func claimLease(_ name: String, holder: String, milliseconds: Int64) async throws(StoreError) -> Lease? {
        Lease(name: name, holder: holder, epoch: 1, expiresAt: AuditReport.end)
    }

    /// One process writes a SQLite ledger: nothing to hand over.
    public func releaseLeases(holder: String) async {}
}

extension SQLiteEventStore: EngineLifecycle {
    /// Commits what is queued; later writes fail as "retry later". The file
    /// is closed when the store is released.
    public func close() async {
        await treeFollower.close()
        await writer.close()
    }
}
