import CSQLite
import Foundation
import LedgerStore

/// The baseline: the same rows, chained with the same hashes, inserted into
/// the same schema (triggers, checks, indexes) through a prepared statement
/// of the raw C API, with WAL and `synchronous=FULL`. What the store does
/// beyond this is its own cost.
final class RawBaseline {
    private var db: OpaquePointer?
    private var insert: OpaquePointer?
    private var head = ChainHead.genesis
    private var versions: [String: Int64] = [:]

    init(path: String) {
        precondition(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, "open \(path)")
        exec("PRAGMA busy_timeout = 5000")
        exec("PRAGMA journal_mode = WAL")
        exec("PRAGMA synchronous = FULL")
        let sql = """
            INSERT INTO events (position, stream, version, type, schema_version, recorded_at, data, data_sha256,
                metadata, idempotency_key, prev_hash, hash) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, NULL, ?, ?)
            """
        precondition(sqlite3_prepare_v2(db, sql, -1, &insert, nil) == SQLITE_OK, "prepare")
    }

    deinit {
        sqlite3_finalize(insert)
        sqlite3_close(db)
    }

    /// Inserts `rows` in transactions of `batch`, returns the seconds taken.
    func append(_ rows: [BenchRow], batch: Int) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        var index = 0
        while index < rows.count {
            exec("BEGIN IMMEDIATE")
            for row in rows[index..<min(index + batch, rows.count)] { insertRow(row) }
            exec("COMMIT")
            index += batch
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func insertRow(_ row: BenchRow) {
        let version = (versions[row.stream] ?? 0) + 1
        versions[row.stream] = version
        let position = head.position + 1
        let recordedAt = row.recordedAt
        let dataDigest = ChainHasher.digest(row.data)
        let hash = ChainHasher.hash(of: StoredEvent(
            position: position, stream: row.stream, version: version, type: row.type, schemaVersion: 1,
            recordedAt: recordedAt, data: row.data, dataSHA256: dataDigest, metadata: row.metadata, idempotencyKey: nil,
            prevHash: head.hash, hash: ""))
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_bind_int64(insert, 1, position)
        sqlite3_bind_text(insert, 2, row.stream, -1, transient)
        sqlite3_bind_int64(insert, 3, version)
        sqlite3_bind_text(insert, 4, row.type, -1, transient)
        sqlite3_bind_text(insert, 5, recordedAt, -1, transient)
        sqlite3_bind_text(insert, 6, row.data, -1, transient)
        sqlite3_bind_text(insert, 7, dataDigest, -1, transient)
        sqlite3_bind_text(insert, 8, row.metadata, -1, transient)
        sqlite3_bind_text(insert, 9, head.hash, -1, transient)
        sqlite3_bind_text(insert, 10, hash, -1, transient)
        precondition(sqlite3_step(insert) == SQLITE_DONE, String(cString: sqlite3_errmsg(db)))
        sqlite3_reset(insert)
        head = ChainHead(position: position, hash: hash)
    }

    private func exec(_ sql: String) {
        precondition(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK, "\(sql): \(String(cString: sqlite3_errmsg(db)))")
    }
}

/// One row as both sides insert it.
struct BenchRow {
    var stream: String
    var type: String
    var recordedAt: String
    var data: String
    var metadata: String
}
