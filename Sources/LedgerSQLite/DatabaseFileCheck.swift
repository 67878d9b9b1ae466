import CSQLite
import Foundation
import LedgerStore

/// What is at a database path, looked at read-only before the ledger opens
/// it for writing (opening it for writing would already switch the file to
/// WAL and create the ledger's tables): a path that cannot hold a database,
/// another application's SQLite file and a ledger migrated by a newer
/// version are refused with nothing written; a damaged file is refused when
/// the check is asked for an integrity check.
struct DatabaseFileCheck {
    let path: String
    /// The migrations this build knows; the first is in every ledger.
    let migrations: [SchemaNames.Migration]

    /// Runs the checks; with `quickCheckMilliseconds`, SQLite's `quick_check`
    /// too, stopped after that long on a large file (the result says so).
    func run(quickCheckMilliseconds: Int?) throws(StoreError) -> StartupIntegrity {
        guard try holdsADatabase() else { return .newDatabase }
        try rollBackAnInterruptedWrite()
        guard try holdsSQLite() else { return .newDatabase }
        let db = try open(SQLITE_OPEN_READONLY)
        defer { sqlite3_close(db) }
        let tables = try strings("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", db)
        guard tables.contains("grdb_migrations") else {
            if tables.isEmpty { return .newDatabase }
            throw .notALedger(path: path, tables: tables)
        }
        let applied = try strings("SELECT identifier FROM grdb_migrations", db)
        guard let first = migrations.first, applied.contains(first.identifier) else {
            // A ledger whose very first migration was interrupted has only the
            // (empty) migrations table; anything else is another GRDB application's.
            if tables == ["grdb_migrations"], applied.isEmpty { return .newDatabase }
            throw .notALedger(path: path, tables: tables)
        }
        let unknown = SchemaNames.unknown(applied, migrations: migrations)
        guard unknown.isEmpty else { throw .newerLedger(path: path, migrations: unknown) }
        // An upgrade's new table or view whose name an auditor or another application
        // took in the file since: named, with nothing migrated (SQLite's own error otherwise).
        // SQLite's names are case-insensitive: an app's `Notifications` takes `notifications`.
        let relations = try strings("SELECT lower(name) FROM sqlite_master WHERE type IN ('table', 'view')", db)
        let clashes = SchemaNames.clashes(Set(relations), migrations: migrations, applied: Set(applied))
        guard clashes.isEmpty else { throw .foreignObjects(location: path, names: clashes) }
        guard let quickCheckMilliseconds else { return .notChecked }
        return try quickCheck(db, budgetMilliseconds: quickCheckMilliseconds)
    }

    /// False for a path with no file (or an empty one) in a folder that exists.
    private func holdsADatabase() throws(StoreError) -> Bool {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            let folder = (path as NSString).deletingLastPathComponent
            var folderIsFolder: ObjCBool = false
            let folderExists = FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder, isDirectory: &folderIsFolder)
            guard folder.isEmpty || (folderExists && folderIsFolder.boolValue) else {
                throw .cannotOpen(path: path, detail: folderExists ? "\(folder) is a file, not a folder" : "the folder \(folder) does not exist")
            }
            return false
        }
        guard !isFolder.boolValue else { throw .cannotOpen(path: path, detail: "it is a folder; give the path of a database file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .cannotOpen(path: path, detail: "permission denied") }
        try refuseSecondNames()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return size > 0
    }

    /// A database file with a second name (a hard link) is refused: SQLite
    /// keeps its write-ahead log and its locks by name, so two processes
    /// through two names write past each other (two serves on one file both
    /// answered 2xx, and the file lost thousands of acknowledged writes), and
    /// serve's own lock, a file beside the path, cannot see the other name.
    private func refuseSecondNames() throws(StoreError) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_nlink > 1 else { return }
        throw .cannotOpen(path: path, detail: "the file has \(status.st_nlink) names (hard links): SQLite keeps a write-ahead log and "
                              + "locks per name, so two processes using two names corrupt it; keep one name (remove the other links, "
                              + "`find / -samefile \(path)` lists them) and use only it, or give each copy its own file (cp)")
    }

    /// A file of another kind (an export given as --db is the common mistake) is
    /// named as such, not only as a damaged database to restore. Looked at once
    /// an interrupted write is rolled back (a new file's first page may be in its
    /// journal); false when that leaves the file empty.
    private func holdsSQLite() throws(StoreError) -> Bool {
        let header = FileHandle(forReadingAtPath: path).flatMap { try? $0.read(upToCount: 16) } ?? Data()
        if header.isEmpty { return false }
        guard header == Data("SQLite format 3\0".utf8) else {
            throw .cannotOpen(path: path, detail: "it is not a SQLite database: a file of another kind (an export written by "
                                  + "ledger export is read by ledger import), or a ledger damaged from its first bytes (restore it from a backup)")
        }
        return true
    }

    /// A writer killed inside a rollback-journal transaction leaves a hot
    /// journal, which a read-only connection may not roll back ("attempt to
    /// write a readonly database"). A new ledger file is in that mode until
    /// it switches to WAL, so a process killed in its first milliseconds
    /// leaves one. Any connection that can write rolls it back on its first
    /// read, restoring the last committed state: this one reads the schema
    /// and writes nothing else.
    private func rollBackAnInterruptedWrite() throws(StoreError) {
        guard FileManager.default.fileExists(atPath: path + "-journal") else { return }
        let db = try open(SQLITE_OPEN_READWRITE)
        defer { sqlite3_close(db) }
        _ = try strings("SELECT count(*) FROM sqlite_master", db)
    }

    private func open(_ mode: Int32) throws(StoreError) -> OpaquePointer {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, mode | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db = handle else {
            let detail = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw .cannotOpen(path: path, detail: detail)
        }
        sqlite3_busy_timeout(db, 5000)
        return db
    }

    private func strings(_ sql: String, _ db: OpaquePointer) throws(StoreError) -> [String] {
        var statement: OpaquePointer?
        var code = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        var values: [String] = []
        while code == SQLITE_OK || code == SQLITE_ROW {
            code = sqlite3_step(statement)
            if code == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) { values.append(String(cString: text)) }
        }
        guard code == SQLITE_DONE else { throw failure(code, db) }
        return values
    }

    private func quickCheck(_ db: OpaquePointer, budgetMilliseconds: Int) throws(StoreError) -> StartupIntegrity {
        let deadline = DeadlineBox(seconds: Double(budgetMilliseconds) / 1000)
        let box = Unmanaged.passRetained(deadline)
        defer { box.release() }
        sqlite3_progress_handler(db, 10_000, progressCheck, box.toOpaque())
        let started = Date()
        let messages: [String]
        do { messages = try strings("PRAGMA quick_check(5)", db) } catch {
            guard deadline.expired else { throw error }
            return .quickCheckStopped(milliseconds: budgetMilliseconds)
        }
        guard messages == ["ok"] else { throw .corrupt("quick_check of \(path): \(messages.joined(separator: "; "))") }
        return .quickChecked(milliseconds: Int(Date().timeIntervalSince(started) * 1000))
    }

    private func failure(_ code: Int32, _ db: OpaquePointer) -> StoreError {
        let message = String(cString: sqlite3_errmsg(db))
        switch code & 0xFF {
        case SQLITE_NOTADB: return .corrupt("\(path) is not a SQLite database, or its header is damaged")
        case SQLITE_CORRUPT: return .corrupt("\(path): \(message)")
        case SQLITE_INTERRUPT: return .corrupt("interrupted")
        default: return .cannotOpen(path: path, detail: message)
        }
    }
}

/// What the start-up look at the database found, for `serve` to log.
public enum StartupIntegrity: Sendable, Hashable {
    /// No database yet: a new ledger is created.
    case newDatabase
    /// A ledger; no integrity check was asked for.
    case notChecked
    /// `quick_check` passed, in this long.
    case quickChecked(milliseconds: Int)
    /// `quick_check` found nothing in the time it had, but did not finish (a large file): `ledger verify` checks all.
    case quickCheckStopped(milliseconds: Int)
}
