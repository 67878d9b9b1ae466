import GRDB
import LedgerStore

extension SQLiteEventStore {
    public func guardFindings() async throws(StoreError) -> [VerificationReport.Finding] {
        try await read { db in try Verifier.triggerFindings(db) }
    }

    /// A file in no auto-vacuum mode (made by an older version of the ledger,
    /// or by another tool) keeps every page retention frees: the file never
    /// shrinks. Switching it takes one `VACUUM`, which holds the write lock
    /// while it rewrites the file, so it is the operator's call.
    public func storageFindings() async throws(StoreError) -> [DoctorFinding] {
        let mode = try await read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
        guard mode == 0 else { return [] }
        return [DoctorFinding(
            check: "storage",
            summary: "the database file has no auto-vacuum mode, so the pages retention frees are never given back to the file system",
            command: "sqlite3 \(path) 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM;'   # in a maintenance window: it holds the write lock "
                + "while it rewrites the file and needs free disk the size of the file")]
    }
}
