import CSQLite
import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// Rebuilds the projections from the log alone (`ledger rebuild`).
///
/// Reads the log in (stream, version) order through the log's unique index
/// and folds one stream at a time, so memory holds one job plus one chunk of
/// results, not the whole log. Every total comes from ``Contribution``, the
/// same function the live appends use, so a rebuild equals the live tables.
///
/// ``run(_:progress:)`` folds on the writer's own connection (import needs
/// that: it reads rows it has not committed yet). ``runParallel(_:pool:progress:)``
/// splits the streams in two ranges folded on two reader connections, while
/// the writer applies their chunks; it must run alone in its transaction.
struct Rebuilder {
    let writer: ProjectionWriter
    var chunkStreamCount = 2000
    var parallelEventCountMin: Int64 = 10_000
    var progressEvery: Int64 = 100_000

    static let scanSQL = "SELECT position, stream, version, type, schema_version, recorded_at, data FROM events"

    /// Folds the whole log on `db` into the emptied tables of `writer`.
    func run(_ db: Database, progress: (Int64) -> Void) throws -> Int64 {
        try withoutCheckConstraints(db) { try runAlone(db, progress: progress) }
    }

    private func runAlone(_ db: Database, progress: (Int64) -> Void) throws -> Int64 {
        try clear(db)
        var count: Int64 = 0
        try RebuildScan(chunkStreamCount: chunkStreamCount).run(db, range: .all) { chunk in
            try apply(chunk, db)
            count += chunk.eventCount
            if count / progressEvery != (count - chunk.eventCount) / progressEvery { progress(count) }
        }
        try finish(db)
        progress(count)
        return count
    }

    /// The same result, folded on two reader connections in parallel.
    func runParallel(_ db: Database, pool: DatabasePool, progress: (Int64) -> Void) throws -> Int64 {
        try withoutCheckConstraints(db) { try runInParallel(db, pool: pool, progress: progress) }
    }

    private func runInParallel(_ db: Database, pool: DatabasePool, progress: (Int64) -> Void) throws -> Int64 {
        let ranges = try StreamRange.halves(db, eventCountMin: parallelEventCountMin)
        let channel = ChunkChannel(producers: ranges.count, capacity: 8)
        let producers = DispatchGroup()
        // However the rebuild ends, its readers are done before it returns.
        defer { producers.wait() }
        for range in ranges {
            DispatchQueue.global().async(group: producers) {
                do {
                    try pool.read { reader in
                        try RebuildScan(chunkStreamCount: chunkStreamCount).run(reader, range: range) { chunk in
                            guard channel.send(chunk) else { throw StoreError.storageUnavailable("the rebuild stopped") }
                        }
                    }
                    channel.finish(nil)
                } catch {
                    channel.finish(error)
                }
            }
        }
        var count: Int64 = 0
        do {
            // The readers fold their first chunks while the writer empties the
            // tables (about 0.15 s of a million-event rebuild, on one core while
            // the other waited).
            try clear(db)
            while let chunk = channel.receive() {
                try apply(chunk, db)
                count += chunk.eventCount
                if count / progressEvery != (count - chunk.eventCount) / progressEvery { progress(count) }
            }
        } catch {
            channel.cancel(error)
            throw error
        }
        if let failure = channel.failure { throw failure }
        try finish(db)
        progress(count)
        return count
    }

    /// The projection tables' CHECK constraints (a status word, outputs
    /// that parse as JSON) guard what the live path and hand-written SQL
    /// write. A rebuild writes only what the fold made from decoded events
    /// (outputs rewritten from a parsed value, statuses from a closed enum),
    /// and `json_valid` on every job row measured as a quarter of its
    /// writer's time, so it writes with them off. The pragma is the writer
    /// connection's, which group commits use next: it is turned on again
    /// however the rebuild ends.
    private func withoutCheckConstraints<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
        defer { Self.turnCheckConstraintsOn(db) }
        return try body()
    }

    /// Through SQLite itself, not GRDB: after an error that rolled the
    /// transaction back (a full disk), GRDB refuses every further statement
    /// of it, and the pragma is not part of the transaction.
    private static func turnCheckConstraintsOn(_ db: Database) {
        guard let connection = db.sqliteConnection else { return }
        guard sqlite3_exec(connection, "PRAGMA ignore_check_constraints = OFF", nil, nil, nil) == SQLITE_OK else {
            preconditionFailure("the CHECK constraints could not be turned on after a rebuild; the writer must not go on without them")
        }
    }

    private func apply(_ chunk: RebuildChunk, _ db: Database) throws {
        try writer.insertJobs(chunk.jobs, db)
        try writer.write(chunk.projections, db)
    }

    private func finish(_ db: Database) throws {
        let last = try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events") ?? 0
        try writer.setCheckpoint(last, db)
    }

    private func clear(_ db: Database) throws {
        for table in ProjectionTable.folded {
            try db.execute(sql: "DELETE FROM \(writer.tablePrefix)\(table.name)")
        }
    }
}

/// A range of stream names: `[from, to)`, either end open.
struct StreamRange: Sendable {
    var from: String?
    var to: String?

    static let all = StreamRange(from: nil, to: nil)

    /// Two ranges holding about half the events each, split at a stream boundary.
    static func halves(_ db: Database, eventCountMin: Int64) throws -> [StreamRange] {
        let count = try Int64.fetchOne(db, sql: "SELECT coalesce(max(position), 0) FROM events") ?? 0
        guard count >= eventCountMin, count >= 2,
              let middle = try String.fetchOne(db, sql: "SELECT stream FROM events ORDER BY stream, version LIMIT 1 OFFSET ?",
                                               arguments: [count / 2])
        else { return [.all] }
        return [StreamRange(from: nil, to: middle), StreamRange(from: middle, to: nil)]
    }

    var sql: String {
        var conditions: [String] = []
        if from != nil { conditions.append("stream >= ?") }
        if to != nil { conditions.append("stream < ?") }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return Rebuilder.scanSQL + filter + " ORDER BY stream, version"
    }

    var bounds: [String] { [from, to].compactMap { $0 } }
}
