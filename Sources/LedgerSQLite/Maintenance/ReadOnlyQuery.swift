import CSQLite
import Foundation
import LedgerStore

/// Hostile-input-safe SQL for auditors (`ledger query`).
///
/// Three guards, each enforced by SQLite itself rather than by inspecting
/// the text: the connection is opened read-only (writes fail in SQLite); an
/// authorizer denies ATTACH, DETACH, every PRAGMA that could change state
/// and every write; a progress handler stops a query that runs past its time
/// budget (runaway recursive CTEs).
public struct ReadOnlyQuery: Sendable {
    public typealias Result = ReadTable
    public typealias Failure = QueryFailure

    public var path: String
    public var timeBudgetMilliseconds: Int
    public var rowCountMax: Int

    public init(path: String, timeBudgetMilliseconds: Int = 5000, rowCountMax: Int = 100_000) {
        self.path = path
        self.timeBudgetMilliseconds = timeBudgetMilliseconds
        self.rowCountMax = rowCountMax
    }

    public func run(_ sql: String) throws(Failure) -> Result {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let db = handle else {
            let detail = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw .cannotOpen(detail)
        }
        defer { sqlite3_close(db) }
        sqlite3_busy_timeout(db, 2000)
        // The progress handler runs between steps, not inside one function
        // call: cap the sizes one call can work on (long strings, LIKE patterns).
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 10_000_000)
        sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 500)
        sqlite3_set_authorizer(db, readOnlyAuthorizer, nil)
        let deadline = DeadlineBox(seconds: Double(timeBudgetMilliseconds) / 1000)
        let box = Unmanaged.passRetained(deadline)
        defer { box.release() }
        sqlite3_progress_handler(db, 10_000, progressCheck, box.toOpaque())
        return try execute(sql, db, deadline: deadline)
    }

    private func execute(_ sql: String, _ db: OpaquePointer, deadline: DeadlineBox) throws(Failure) -> Result {
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let prepared = sql.withCString { sqlite3_prepare_v2(db, $0, -1, &statement, &tail) }
        guard prepared == SQLITE_OK, let statement else { throw classify(prepared, db, deadline) }
        defer { sqlite3_finalize(statement) }
        if let tail, tail.pointee != 0, !String(cString: tail).allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw .refused("one statement at a time")
        }
        let columnCount = Int(sqlite3_column_count(statement))
        let columns = (0..<columnCount).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
        var rows: [[String?]] = []
        // SQLite types values, not columns: a column is numbers when its values are.
        var numbers = Set<Int>(), notNumbers = Set<Int>()
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw classify(step, db, deadline) }
            guard rows.count < rowCountMax else { throw .tooManyRows(rowCountMax) }
            for column in 0..<columnCount {
                switch sqlite3_column_type(statement, Int32(column)) {
                case SQLITE_INTEGER, SQLITE_FLOAT: numbers.insert(column)
                case SQLITE_TEXT, SQLITE_BLOB: notNumbers.insert(column)
                default: break
                }
            }
            rows.append((0..<columnCount).map { Self.cell(statement, Int32($0)) })
        }
        return Result(columns: columns, rows: rows, numberColumns: numbers.subtracting(notNumbers))
    }

    /// A cell as text: a BLOB as `\x` and hex (as PostgreSQL shows `bytea`; the
    /// Merkle tree's hashes are blobs), text by its length (a NUL inside does
    /// not cut it short), numbers as SQLite writes them.
    private static func cell(_ statement: OpaquePointer, _ index: Int32) -> String? {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_NULL: return nil
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, index))
            guard count > 0, let bytes = sqlite3_column_blob(statement, index) else { return "\\x" }
            return "\\x" + UnsafeRawBufferPointer(start: bytes, count: count).map { String(format: "%02x", $0) }.joined()
        default:
            guard let text = sqlite3_column_text(statement, index) else { return "" }
            return String(decoding: UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index))), as: UTF8.self)
        }
    }

    private func classify(_ code: Int32, _ db: OpaquePointer, _ deadline: DeadlineBox) -> Failure {
        let message = String(cString: sqlite3_errmsg(db))
        if code == SQLITE_INTERRUPT, deadline.expired { return .timedOut(milliseconds: timeBudgetMilliseconds) }
        if code == SQLITE_AUTH || message.contains("not authorized") { return .refused(message) }
        if code == SQLITE_READONLY { return .refused(message) }
        return .sqlError(message)
    }
}

/// A time budget a progress handler checks (``progressCheck``): shared by the
/// auditors' queries and the start-up integrity check.
final class DeadlineBox: @unchecked Sendable {
    let end: Date
    private(set) var expired = false

    init(seconds: Double) { end = Date().addingTimeInterval(seconds) }

    func check() -> Bool {
        if Date() >= end { expired = true }
        return expired
    }
}

/// SQLite's progress handler: interrupts the statement once the ``DeadlineBox`` passed as context expires.
func progressCheck(_ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return 0 }
    return Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue().check() ? 1 : 0
}

/// PRAGMAs that only describe the schema (their argument names a table) are
/// allowed; value PRAGMAs are allowed only to read (no argument); every other
/// action that is not reading is denied.
private let introspectionPragmas: Set<String> = [
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
]
private let readablePragmas: Set<String> = [
    "database_list", "compile_options", "user_version", "schema_version", "page_count", "page_size",
    "freelist_count", "data_version", "journal_mode",
]

private func readOnlyAuthorizer(_: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
                                _ second: UnsafePointer<CChar>?, _: UnsafePointer<CChar>?,
                                _: UnsafePointer<CChar>?) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_PRAGMA:
        let name = first.map { String(cString: $0).lowercased() } ?? ""
        if introspectionPragmas.contains(name) { return SQLITE_OK }
        return readablePragmas.contains(name) && second == nil ? SQLITE_OK : SQLITE_DENY
    default:
        return SQLITE_DENY
    }
}
