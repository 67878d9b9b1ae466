/// A projection table and what identifies one of its rows (to name the first
/// difference `rebuild --check` finds). ``all`` is what a rebuild empties and
/// refills and what the check compares, on every engine.
public struct ProjectionTable: Sendable, Hashable {
    public let name: String
    /// An expression over the table's columns naming one row.
    public let key: String

    /// The tracking record: the last position folded. A rebuild sets it,
    /// and never empties it.
    public static let checkpoint = ProjectionTable(name: "projection_checkpoint", key: "id")

    /// Every projection table, the checkpoint last.
    public static let all: [ProjectionTable] = [
        ProjectionTable(name: "projection_jobs", key: "job_id"), ProjectionTable(name: "projection_accounts", key: "account"),
        ProjectionTable(name: "projection_provider_health", key: "provider"),
        ProjectionTable(name: "projection_unknown_statuses", key: "provider || ' ' || raw_status"),
        ProjectionTable(name: "projection_orphans", key: "position"),
    ] + foldRows.map(ProjectionTable.init(row:)) + [checkpoint]

    /// The tables of the fold's own rows (``ProjectionRow``).
    public static let foldRows: [any ProjectionRow.Type] = [
        NotificationRow.self, AttemptRow.self, RefundRow.self, LateCompletionRow.self, ConflictRow.self, LateWebhookRow.self,
    ]

    /// Every table but the checkpoint: the folded rows a rebuild empties.
    public static var folded: [ProjectionTable] { all.filter { $0 != checkpoint } }

    init(name: String, key: String) {
        self.name = name
        self.key = key
    }

    init(row: any ProjectionRow.Type) {
        self.init(name: row.table, key: row.keyColumns.joined(separator: " || ' ' || "))
    }
}
