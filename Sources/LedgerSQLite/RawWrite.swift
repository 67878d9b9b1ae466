import CSQLite
import GRDB
import LedgerStore

extension Statement {
    /// Binds `values` to this (cached) statement and steps it once, through
    /// SQLite's own calls. Every projection row and event row is written this
    /// way: GRDB's `StatementArguments` (an array of `DatabaseValue` built,
    /// checked and copied per row) measured as the rebuild writer's largest
    /// cost. Fails as GRDB would, with a `DatabaseError`.
    func execute(values: [SQLValue]) throws {
        let handle = sqliteStatement
        sqlite3_reset(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(handle, index)
            case .integer(let number): sqlite3_bind_int64(handle, index, number)
            case .text(let text):
                var text = text
                text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        // An empty text has no buffer: bind SQLite's own empty string.
                        guard let start = chars.baseAddress else { return _ = sqlite3_bind_text(handle, index, "", 0, nil) }
                        sqlite3_bind_text(handle, index, start, Int32(chars.count), sqliteTransient)
                    }
                }
            }
        }
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

/// Tells SQLite to copy bound bytes (they live only for the call).
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
