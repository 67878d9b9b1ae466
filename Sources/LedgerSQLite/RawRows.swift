import CSQLite
import Foundation
import LedgerStore

/// Steps one statement on a connection GRDB owns, handing out column bytes
/// without copying them into Strings. The replay and rebuild paths read
/// every event of a job (or of the log) this way: GRDB's rows copy each of
/// the twelve columns into a String, which measured as the largest cost of a
/// replay once decoding was fast.
///
/// Bytes from ``bytes(_:)`` are valid until the next ``next()``.
struct RawRows: ~Copyable {
    private let connection: OpaquePointer
    private let statement: OpaquePointer
    /// The object owning `statement` (GRDB's cached `Statement`), kept alive
    /// while rows are stepped so the handle cannot be finalized under us.
    private let owner: AnyObject

    /// Steps `statement`, a prepared statement `owner` keeps (GRDB's statement
    /// cache). It is reset before use and after; every parameter is bound
    /// here before the first step.
    init(connection: OpaquePointer, statement: OpaquePointer, owner: AnyObject) {
        self.connection = connection
        self.statement = statement
        self.owner = owner
        sqlite3_reset(statement)
    }

    deinit {
        sqlite3_reset(statement)
    }

    func bind(_ text: String, at index: Int32) {
        LedgerSQLite.bind(.text(text), at: index, to: statement)
    }

    /// Moves to the next row; false after the last.
    func next() throws -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let message = String(cString: sqlite3_errmsg(connection))
            throw code == SQLITE_CORRUPT || code == SQLITE_NOTADB
                ? StoreError.corrupt(message) : StoreError.storageUnavailable(message)
        }
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    /// The column's bytes as stored: UTF-8 for text, since the ledger creates
    /// its databases UTF-8 (SQLite's default; `_blob` does not convert). Through
    /// `sqlite3_column_blob`, not `_text`: text must end in a NUL, so SQLite
    /// copies every value read as text out of its page to add one (a tenth
    /// of a rebuild's reading time, as memmove).
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let start = sqlite3_column_blob(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_column_bytes(statement, column)))
    }

    /// Whether `column` holds exactly `expected` (memcmp: the generic
    /// `elementsEqual` showed in the rebuild's profile).
    func bytes(_ column: Int32, equal expected: [UInt8]) -> Bool {
        let actual = bytes(column)
        guard actual.count == expected.count else { return false }
        guard let start = actual.baseAddress, !expected.isEmpty else { return true }
        return expected.withUnsafeBufferPointer { memcmp(start, $0.baseAddress!, expected.count) == 0 }
    }

    func text(_ column: Int32) -> String { String(decoding: bytes(column), as: UTF8.self) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
}
