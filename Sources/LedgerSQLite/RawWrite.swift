import CSQLite
import GRDB
import LedgerStore

extension Statement {
    /// Binds `values` to this (cached) statement and steps it once, through
    /// SQLite's own calls. Every projection row and event row is written this
    /// way: GRDB's `StatementArguments` (an array of `DatabaseValue` built,
    /// checked and copied per row) measured as the rebuild writer's largest
    /// cost. Fails as GRDB would, with a `DatabaseError`. What GRDB does around
    /// a statement and this does not (transaction observers, the check for a
    /// transaction already rolled back, dropping a failed statement from the
    /// cache) the ledger does not use: it has no observers, and every write
    /// that fails ends its transaction.
    func execute(values: [SQLValue]) throws {
        let handle = sqliteStatement
        // Every parameter is bound on every call: a short row would otherwise
        // reuse the last row's trailing values.
        precondition(values.count == Int(sqlite3_bind_parameter_count(handle)), "\(values.count) values for: \(sql)")
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() { bind(value, at: Int32(offset + 1), to: handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else {
            let connection = sqlite3_db_handle(handle)
            let error = DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                                      message: String(cString: sqlite3_errmsg(connection)), sql: sql)
            sqlite3_reset(handle)
            throw error
        }
        sqlite3_reset(handle)
    }
}

/// Binds `value` as parameter `index` of `handle`: a text's exact bytes
/// (copied by SQLite), an integer, or NULL.
func bind(_ value: SQLValue, at index: Int32, to handle: OpaquePointer) {
    switch value {
    case .null: sqlite3_bind_null(handle, index)
    case .integer(let number): sqlite3_bind_int64(handle, index, number)
    case .text(let text) where text.isEmpty:
        // A null pointer would bind NULL: an empty text is bound from a static, empty buffer.
        sqlite3_bind_text(handle, index, emptyText, 0, nil)
    case .text(let text):
        var text = text
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), sqliteTransient)
            }
        }
    }
}

/// Bytes that live as long as the program (a literal's), for empty texts.
private var emptyText: UnsafePointer<CChar> {
    UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Tells SQLite to copy bound bytes (they live only for the call).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
