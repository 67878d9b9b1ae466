import LedgerPostgres
import LedgerSQLite

/// What `ledger --version` prints and `serve` logs when it starts: the
/// release, and the newest schema migration each engine runs (an operator
/// telling two builds apart; nodes sharing one PostgreSQL database must run
/// the same schema).
enum LedgerVersion {
    /// The release, bumped with each one (calendar versioning: year.month.day).
    static let release = "2026.12.7"

    static var text: String {
        "\(release) (SQLite schema \(SQLiteEventStore.schemaVersion), PostgreSQL schema \(PostgresEventStore.schemaVersion))"
    }
}
