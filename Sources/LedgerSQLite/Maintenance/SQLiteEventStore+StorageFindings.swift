import GRDB
import LedgerStore

extension SQLiteEventStore {
    public func guardFindings() async throws(StoreError) -> [VerificationReport.Finding] {
        try await read { db in try Verifier.triggerFindings(db) }
    }

    /// What the database's storage needs: room to grow (the reserve
    /// `/readyz` keeps: under it webhooks get 503, and `doctor` said nothing of
    /// it while the disk was full), and a file in no auto-vacuum mode (made by
    /// an older version of the ledger, or by another tool), which keeps every
    /// page retention frees: the file never shrinks. Switching it takes one
    /// `VACUUM`, which holds the write lock while it rewrites the file, so it
    /// is the operator's call.
    public func storageFindings() async throws(StoreError) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        if let shortfall = headroomShortfall() {
            findings.append(DoctorFinding(check: "storage", summary: shortfall + ": the ledger answers 503 until there is room",
                                          command: "free space on the file system of \(path), or raise its file-size limit "
                                            + "(docs/runbooks.md, Disk full)"))
        }
        let mode = try await read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
        guard mode == 0 else { return findings }
        return findings + [DoctorFinding(
            check: "storage",
            summary: "the database file has no auto-vacuum mode, so the pages retention frees are never given back to the file system",
            command: "sqlite3 \(path) 'PRAGMA auto_vacuum = INCREMENTAL; VACUUM;'   # in a maintenance window: it holds the write lock "
                + "while it rewrites the file and needs free disk the size of the file")]
    }

    /// Why the database has too little room left to grow, or nil when it has
    /// ``StoreOptions/readinessReserveBytes`` (see ``StorageHeadroom``).
    func headroomShortfall() -> String? {
        let room = StorageHeadroom.bytes(forDatabaseAt: path)
        guard room < options.readinessReserveBytes else { return nil }
        return "\(max(room, 0)) bytes left for the database to grow, under the \(options.readinessReserveBytes)-byte reserve "
            + "(disk space or file-size limit)"
    }
}
