import LedgerCore
import LedgerStore
import Logging
import PostgresNIO
import Synchronization

/// A value bound to a statement: a column's value, or a whole array (a batch's column).
enum PostgresArgument: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case text(String)
    case integers([Int64])
    case texts([String])

    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case .integer(let integer): self = .integer(integer)
        case .text(let text): self = .text(text)
        }
    }
}

/// A statement with its values bound as `$1, $2, ...` (never spliced into the text).
func statement(_ sql: String, _ values: [PostgresArgument] = []) -> PostgresQuery {
    PostgresQuery(unsafeSQL: sql, binds: bindings(values))
}

/// The values bound in order as `$1, $2, ...`.
func bindings(_ values: [PostgresArgument]) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: values.count)
    for value in values {
        switch value {
        case .null: bindings.appendNull()
        case .bool(let flag): bindings.append(flag)
        case .integer(let integer): bindings.append(integer)
        case .text(let text): bindings.append(text)
        case .integers(let integers): bindings.append(integers)
        case .texts(let texts): bindings.append(texts)
        }
    }
    return bindings
}

/// The rows of `sql`, each read by column name.
func rows(_ sql: String, _ values: [PostgresArgument] = [], on connection: PostgresConnection,
          logger: Logger) async throws -> [PostgresRandomAccessRow] {
    var rows: [PostgresRandomAccessRow] = []
    for try await row in try await connection.query(statement(sql, values), logger: logger) {
        rows.append(row.makeRandomAccess())
    }
    return rows
}

/// Runs `sql` and discards any rows.
func run(_ sql: String, _ values: [PostgresArgument] = [], on connection: PostgresConnection, logger: Logger) async throws {
    try await connection.query(statement(sql, values), logger: logger)
}

/// Rolls back after a failure. On a connection the server closed, nothing:
/// the server rolled back already, and a statement sent on a closed
/// connection was seen never to be answered (postgres-nio 1.33).
func rollBack(on connection: PostgresConnection, logger: Logger) async {
    guard !connection.isClosed else { return }
    try? await run("ROLLBACK", on: connection, logger: logger)
}

extension PostgresRandomAccessRow: ColumnReader {
    public func text(_ column: String) -> String? { try? self[column].decode(String?.self) }
    public func integer(_ column: String) -> Int64? { try? self[column].decode(Int64?.self) }
}

/// A `SELECT` list of `columns` (of the table aliased `table`, if given),
/// each `json` one read back as its text under its own name.
func selectList(_ columns: [String], json: Set<String>, table: String? = nil) -> String {
    let prefix = table.map { "\($0)." } ?? ""
    return columns.map { json.contains($0) ? "\(prefix)\($0)::text AS \($0)" : "\(prefix)\($0)" }.joined(separator: ", ")
}

extension StoredEvent {
    /// The columns as `SELECT` lists them: `json` read back as its text.
    static let postgresSelectList = selectList(StoredEvent.columns, json: ["data", "metadata"])

    init(postgres row: some ColumnReader) {
        self.init(position: row.integer("position") ?? 0, stream: row.text("stream") ?? "",
                  version: row.integer("version") ?? 0, type: row.text("type") ?? "",
                  schemaVersion: Int(row.integer("schema_version") ?? 0), recordedAt: row.text("recorded_at") ?? "",
                  data: row.text("data") ?? "", dataSHA256: row.text("data_sha256") ?? "",
                  metadata: row.text("metadata") ?? "", idempotencyKey: row.text("idempotency_key"),
                  prevHash: row.text("prev_hash") ?? "", hash: row.text("hash") ?? "")
    }
}

extension StoreError {
    /// Maps any error from PostgreSQL or the session to a ``StoreError``:
    /// lost connections and lock timeouts are "retry later"; a refusal of the
    /// ledger's own write by the database (a missing grant, a read-only
    /// server, a constraint or guard) is a storage refusal, never the
    /// request's fault; a server that cannot be reached or refuses the login
    /// says why; anything else is unexpected.
    static func fromPostgres(_ error: any Error) -> StoreError {
        if let store = error as? StoreError { return store }
        guard let psql = error as? PSQLError else {
            let text = String(describing: error)
            // The client's pool, closed with the store: writes after close are "retry later".
            if text.contains("poolShutdown") { return .storageUnavailable("the ledger is shutting down") }
            // After new connections failed again and again, the pool waits before trying again: the database
            // is down or restarting (the expected state after an outage, not a defect to report).
            if text.contains("connectionCreationCircuitBreakerTripped") {
                return .storageUnavailable("PostgreSQL cannot be reached: new connections kept failing, so the ledger "
                                           + "waits a little before it tries again (the database down or restarting)")
            }
            return .unexpected(text)
        }
        let state = psql.serverInfo?[.sqlState] ?? ""
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch state {
        case "": return .storageUnavailable("PostgreSQL: \(PostgresConnectFailure.describe(psql))")
        case "53100": return .storageUnavailable("PostgreSQL: disk full: \(message)")
        case "57014" where message.contains("statement timeout"):
            // Passing under load; but a role's or database's tiny statement_timeout fails every
            // statement, and retrying never mends that: say where to look.
            return .storageUnavailable("PostgreSQL: \(message); if every statement fails so, the role's or the database's "
                                       + "statement_timeout is too low for the ledger (SHOW statement_timeout; ALTER ROLE ... RESET "
                                       + "statement_timeout); a report past its own time budget is stopped the same way")
        case "55P03", "57014", "40001", "40P01", "25P03":
            return .storageUnavailable("PostgreSQL: \(message)")
        case let code where code.hasPrefix("08") || code.hasPrefix("57") || code.hasPrefix("53"):
            return .storageUnavailable("PostgreSQL: \(message)")
        case "25006":
            return .storageRefused("PostgreSQL 25006: \(PostgresMigrator.readOnlyServer): point the ledger's writers at the primary (\(message))")
        case let code where code.hasPrefix("23") || code == "42501" || code.hasPrefix("28") || code == "3D000":
            return .storageRefused("PostgreSQL \(state): \(message)")
        case "XX001", "XX002": return .corrupt(message)
        default: return .unexpected("PostgreSQL \(state): \(message)")
        }
    }
}
