import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// Folds the whole log into the projection tables that `search_path` finds
/// first (the live ones, or a rebuild check's temporary ones of the same
/// names), through `ledger_write_projections`, the function live appends
/// write with: a page's summed changes per call, then every job's row.
struct PostgresRebuild {
    let logger: Logger
    let codec = EventCodec()
    var pageCount = 5_000

    /// Empties the tables and folds every event; returns the last position read.
    func run(_ connection: PostgresConnection, progress: (Int64) -> Void) async throws -> Int64 {
        for table in ProjectionTable.folded {
            try await LedgerPostgres.run("DELETE FROM \(table.name)", on: connection, logger: logger)
        }
        var jobs: [String: JobState] = [:]
        var last: Int64 = 0
        while true {
            let page = try await rows("""
                SELECT \(StoredEvent.postgresSelectList) FROM events WHERE position > $1 ORDER BY position LIMIT $2
                """, [.integer(last), .integer(Int64(pageCount))], on: connection, logger: logger).map(StoredEvent.init(postgres:))
            guard let end = page.last else { break }
            var delta = ProjectionDelta()
            for stored in page { try fold(stored, into: &jobs, &delta) }
            try await write(jobs: [], delta, connection)
            last = end.position
            progress(last)
        }
        let rows = jobs.values.filter(\.isRegistered)
        for start in stride(from: 0, to: rows.count, by: pageCount) {
            try await write(jobs: Array(rows[start..<min(start + pageCount, rows.count)]), ProjectionDelta(), connection)
        }
        try await LedgerPostgres.run("UPDATE projection_checkpoint SET position = $1 WHERE id = 1", [.integer(last)],
                                     on: connection, logger: logger)
        return last
    }

    private func fold(_ stored: StoredEvent, into jobs: inout [String: JobState], _ delta: inout ProjectionDelta) throws {
        let recorded: RecordedEvent
        do { recorded = try stored.decoded(with: codec) } catch {
            throw StoreError.corrupt("event at position \(stored.position): \(error)")
        }
        guard let jobID = StreamName.jobID(of: stored.stream) else {
            delta.addOutsideJobs(recorded)
            return
        }
        var state = jobs.removeValue(forKey: jobID) ?? JobState(jobID: jobID)
        try delta.add(recorded, ofJob: state)
        state.apply(recorded.event, version: recorded.version, at: recorded.recordedAt, forRowOnly: true)
        jobs[jobID] = state
    }

    private func write(jobs: [JobState], _ delta: ProjectionDelta, _ connection: PostgresConnection) async throws {
        guard !jobs.isEmpty || !delta.isEmpty else { return }
        try await LedgerPostgres.run("SELECT ledger_write_projections($1, $2)",
                                     [.text(PostgresProjectionRows.jobs(jobs)), .text(PostgresProjectionRows.changes(delta))],
                                     on: connection, logger: logger)
    }
}
