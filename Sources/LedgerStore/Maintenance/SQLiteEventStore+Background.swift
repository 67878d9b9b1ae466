import GRDB
import LedgerCore

/// A stored event's place, for services that find work by type.
public struct EventLocation: Sendable, Hashable {
    public var position: Int64
    public var stream: String
    public var type: String
    public var recordedAt: Timestamp
}

extension SQLiteEventStore {
    /// Jobs without a terminal status, in job-id order after `afterJobID`
    /// (keyset pages): what the poller and the watchdog look at.
    public func openJobs(after afterJobID: String?, limit: Int) async throws(StoreError) -> [JobState] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM projection_jobs
                WHERE status IN ('registered', 'processing') AND job_id > ?
                ORDER BY job_id LIMIT ?
                """, arguments: [afterJobID ?? "", limit]).map(JobState.init(row:))
        }
    }

    /// The job folded from its whole stream, with what only the decider
    /// keeps (notifications, the watchdog's last look); nil for no such job.
    public func foldedJob(_ jobID: String) async throws(StoreError) -> JobState? {
        try await replay(jobID: jobID).map(\.state)
    }

    /// Events of `types` after `position`, in log order (index `events_by_type`).
    public func events(ofTypes types: [EventType], after position: Int64, limit: Int) async throws(StoreError) -> [EventLocation] {
        try await read { db in
            let marks = Array(repeating: "?", count: types.count).joined(separator: ", ")
            var arguments: StatementArguments = StatementArguments(types.map(\.rawValue))
            arguments += [position, limit]
            return try Row.fetchAll(db, sql: """
                SELECT position, stream, type, recorded_at FROM events
                WHERE type IN (\(marks)) AND position > ? ORDER BY position LIMIT ?
                """, arguments: arguments).map { row in
                EventLocation(position: row[0], stream: row[1], type: row[2],
                              recordedAt: Timestamp(iso8601: row[3]) ?? Timestamp(millisecondsSinceEpoch: 0))
            }
        }
    }

    /// The data of the last event of `type`, or nil when there is none.
    public func lastEventData(ofType type: EventType) async throws(StoreError) -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT data FROM events WHERE type = ? ORDER BY position DESC LIMIT 1",
                                arguments: [type.rawValue])
        }
    }
}
