import LedgerCore
import LedgerStore
import PostgresNIO

/// Folds the whole log into projection tables (live, or the temporary
/// `rebuild_` ones): each event's ``ProjectionChange``s as the append wrote
/// them, then each job's row once at the end.
struct PostgresRebuild {
    struct Table {
        let name: String
        /// What identifies a row, for naming the first difference.
        let key: String
    }

    static let tables = [
        Table(name: "projection_jobs", key: "job_id"), Table(name: "projection_accounts", key: "account"),
        Table(name: "projection_provider_health", key: "provider"),
        Table(name: "projection_unknown_statuses", key: "provider || ' ' || raw_status"),
        Table(name: "projection_orphans", key: "position"), Table(name: "projection_checkpoint", key: "id"),
    ]

    let projections: PostgresProjections
    let codec: EventCodec
    var pageCount = 5_000

    /// Empties the tables and folds every event; returns the count read.
    func run(_ connection: PostgresConnection, progress: (Int64) -> Void) async throws -> Int64 {
        let logger = projections.logger
        for table in Self.tables where table.name != "projection_checkpoint" {
            try await LedgerPostgres.run("DELETE FROM \(projections.tablePrefix)\(table.name)", on: connection, logger: logger)
        }
        var jobs: [String: JobState] = [:]
        var last: Int64 = 0
        while true {
            let page = try await rows("""
                SELECT \(StoredEvent.postgresSelectList) FROM events WHERE position > $1 ORDER BY position LIMIT $2
                """, [.integer(last), .integer(Int64(pageCount))], on: connection, logger: logger).map(StoredEvent.init(postgres:))
            guard let end = page.last else { break }
            for stored in page {
                let recorded: RecordedEvent
                do { recorded = try stored.decoded(with: codec) } catch {
                    throw StoreError.corrupt("event at position \(stored.position): \(error)")
                }
                let jobID = StreamName.jobID(of: stored.stream)
                let before = jobID.map { jobs[$0] ?? JobState(jobID: $0) }
                try await projections.apply(ProjectionChange.of(recorded, jobBefore: before), on: connection)
                if let jobID, var state = before {
                    state.apply(recorded)
                    jobs[jobID] = state
                }
            }
            last = end.position
            progress(last)
        }
        for state in jobs.values { try await projections.upsertJob(state, on: connection) }
        try await projections.setCheckpoint(last, on: connection)
        return last
    }
}
