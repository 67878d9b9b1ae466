import LedgerStore
import PostgresNIO

extension PostgresEventStore {
    /// The auditor's own SQL (`ledger query`): one statement (the extended
    /// protocol takes no more), in a read-only transaction, as the
    /// `ledger_reader` role (SELECT only) when this database has it, stopped
    /// by `statement_timeout` past its budget, at most `rowCountMax` rows.
    public func query(_ sql: String, budgetMilliseconds: Int, rowCountMax: Int = 100_000) async throws(QueryFailure) -> ReadTable {
        do {
            return try await client.withConnection { connection in
                // A superuser can leave any role inside one statement
                // (`set_config('role', ...)` answers to the session's user), and read
                // the server's files: the auditor's SQL never runs as one.
                if try await !rows("SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper", on: connection,
                                   logger: logger).isEmpty {
                    throw QueryFailure.refused("ledger query does not run as a PostgreSQL superuser: "
                                                        + "connect as a read-only role (docs/postgres.md)")
                }
                try await run("BEGIN READ ONLY", on: connection, logger: logger)
                var found: [PostgresRandomAccessRow] = []
                var columns: [String] = []
                do {
                    try await run("SET LOCAL statement_timeout = \(max(1, budgetMilliseconds))", on: connection, logger: logger)
                    if try await !rows(PostgresReaderRole.isMember, on: connection, logger: logger).isEmpty {
                        try await run("SET LOCAL ROLE \(PostgresReaderRole.name)", on: connection, logger: logger)
                    }
                    let result = try await connection.query(statement(sql), logger: logger)
                    // From the result's description, not its first row: an empty result has its header too, as on SQLite.
                    columns = result.columns.map(\.name)
                    for try await row in result {
                        guard found.count < rowCountMax else { throw QueryFailure.tooManyRows(rowCountMax) }
                        found.append(row.makeRandomAccess())
                    }
                } catch {
                    // The connection goes back to the pool: never inside a failed transaction.
                    await rollBack(on: connection, logger: logger)
                    throw error
                }
                try await run("ROLLBACK", on: connection, logger: logger)
                return ReadTable(columns: columns,
                                 rows: found.map { row in row.map(Self.text(of:)) },
                                 numberColumns: PostgresCellText.numberColumns(found.first))
            }
        } catch let failure as QueryFailure {
            throw failure
        } catch let error as PSQLError {
            throw Self.queryFailure(error, budgetMilliseconds: budgetMilliseconds)
        } catch {
            throw .cannotOpen("\(error)")
        }
    }

    private static func queryFailure(_ error: PSQLError, budgetMilliseconds: Int) -> QueryFailure {
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch state {
        case "": return .cannotOpen("PostgreSQL: \(error.code)")
        case "57014": return .timedOut(milliseconds: budgetMilliseconds)
        case "25006", "42501": return .refused("read-only: \(message)")
        case "42601" where message.contains("multiple commands"): return .refused("one statement at a time")
        default: return .sqlError(message)
        }
    }
}

/// `ledger_reader`: a role that may only read this ledger's tables and views,
/// taken by `ledger query` for the auditor's SQL. Created when the ledger's
/// user may create roles; otherwise the query still runs read-only, and the
/// operator gives auditors a read-only URL (docs/postgres.md).
enum PostgresReaderRole {
    static let name = "ledger_reader"

    static let isMember = "SELECT 1 FROM pg_roles WHERE rolname = '\(name)' AND pg_has_role(current_user, oid, 'MEMBER')"

    /// Idempotent; errors for lack of privilege are swallowed (see above).
    static let ensure = """
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '\(name)') THEN
                CREATE ROLE \(name) NOLOGIN;
            END IF;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO \(name)', current_schema());
            EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO \(name)', current_schema());
            EXECUTE format('GRANT \(name) TO %I', current_user);
        -- Several ledgers opening at once may race to create the role: the loser finds it made.
        EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN NULL;
        END $$
        """
}
