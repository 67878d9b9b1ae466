import GRDB
import LedgerStore

extension StoreError {
    /// Maps any error from SQLite or the session to a ``StoreError``.
    init(_ error: any Error) {
        if let store = error as? StoreError {
            self = store
            return
        }
        guard let database = error as? DatabaseError else {
            // Not the storage's doing: never reported as "retry later".
            self = .unexpected(String(describing: error))
            return
        }
        switch database.resultCode {
        case .SQLITE_FULL: self = .storageUnavailable("disk full: free disk space")
        case .SQLITE_IOERR: self = .storageUnavailable("I/O error: \(database.message ?? "")")
        case .SQLITE_BUSY, .SQLITE_LOCKED: self = .storageUnavailable("another process holds the write lock")
        case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM:
            self = .storageUnavailable("cannot write the database file: \(database.message ?? "")")
        // SQLite turns an integer sum past 64 bits into a REAL, which a STRICT INTEGER column refuses.
        case .SQLITE_CONSTRAINT where database.message?.contains("cannot store REAL value in INTEGER column") == true:
            self = .totalOutOfRange
        // The ledger checks every request before it writes: a constraint or a guard that refuses the
        // write is the storage's refusal (another writer, a damaged guard), never the request's fault
        // (a 4xx would end a provider's retries), as PostgreSQL's 23xxx are.
        case .SQLITE_CONSTRAINT: self = .storageRefused("the database refused the write: \(database.message ?? "")")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .corrupt(database.message ?? "not a database")
        // The ledger keeps no value near SQLite's 1 GB limit (bodies are at most max_body, 64 MiB): a record
        // read as larger than that has a damaged length on its page, nothing a retry mends.
        case .SQLITE_TOOBIG: self = .corrupt("a record's length reads as larger than SQLite allows (a damaged page): \(database.message ?? "")")
        default: self = .storageUnavailable("\(database.resultCode): \(database.message ?? "")")
        }
    }
}
