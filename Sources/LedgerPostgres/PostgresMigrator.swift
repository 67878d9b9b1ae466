import Foundation
import LedgerStore
import Logging
import PostgresNIO

/// Brings a database to ``PostgresMigrations/all`` in one transaction, under
/// an advisory lock so that nodes starting together migrate once. A schema
/// holding another application's tables of the ledger's names, or one
/// migrated by a newer ledger, is refused untouched.
struct PostgresMigrator {
    let location: PostgresLocation
    let logger: Logger

    func migrate(_ connection: PostgresConnection) async throws {
        if try await isReadOnly(connection) { return try await checkCurrent(connection) }
        try await run("BEGIN", on: connection, logger: logger)
        do {
            try await run(TransactionLimits.sql(), on: connection, logger: logger)
            try await run("SELECT pg_advisory_xact_lock($1)", [.integer(PostgresMigrations.advisoryLockKey)],
                          on: connection, logger: logger)
            let (applied, relations) = try await creating { try await appliedMigrations(connection) }
            try checkKnown(applied)
            let pending = PostgresMigrations.all.filter { !applied.contains($0.identifier) }
            // An upgrade's new table or view whose name another application took since the first open
            // (an app's own `notifications` table beside the ledger): named, with nothing written.
            let clashes = SchemaNames.clashes(relations, migrations: PostgresMigrations.all, applied: Set(applied))
            guard clashes.isEmpty else { throw StoreError.foreignObjects(location: location.description, names: clashes) }
            try await creating {
                for migration in pending {
                    for sql in Self.statements(of: migration.sql) { try await run(sql, on: connection, logger: logger) }
                    try await run("INSERT INTO ledger_migrations (identifier) VALUES ($1)", [.text(migration.identifier)],
                                  on: connection, logger: logger)
                }
            }
            if !PostgresMigrations.rebuildingProjections.isSubset(of: applied) {
                // A projection was added: filled from the log before any node reads it.
                _ = try await PostgresRebuild(logger: logger).run(connection, progress: { _ in })
            }
            // Only the tables' owner grants on them; another role's GRANTs would each
            // leave a warning in the server's log at every open, and change nothing.
            let owner = try await ownsTheLog(connection)
            if !pending.isEmpty || owner {
                try await run(PostgresReaderRole.ensure, on: connection, logger: logger)
            }
            try await run("COMMIT", on: connection, logger: logger)
        } catch {
            await rollBack(on: connection, logger: logger)
            throw error
        }
    }

    /// `body`, with a privilege it lacks said as who should open the ledger.
    private func creating<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
            throw StoreError.cannotOpen(path: location.description, detail: "\(error.serverInfo?[.message] ?? "permission denied") (42501): "
                + "the first open of a ledger, and the first after an upgrade, creates or changes its tables: run it as their owner "
                + "(`ledger verify --db postgres://ledger_owner:…`); if the ledger is current, this role lacks a grant the "
                + "GRANT statements of docs/postgres.md (\"Setting up\") give the service role")
        }
    }

    private func checkKnown(_ applied: [String]) throws {
        let unknown = SchemaNames.unknown(applied, migrations: PostgresMigrations.all)
        guard unknown.isEmpty else { throw StoreError.newerLedger(path: location.description, migrations: unknown) }
    }

    /// What a read-only server is, in the words every message about one uses.
    static let readOnlyServer = "the server is read-only (a standby, or default_transaction_read_only = on)"

    /// A standby, or `default_transaction_read_only`: nothing is written at open.
    private func isReadOnly(_ connection: PostgresConnection) async throws -> Bool {
        try await rows("SELECT current_setting('transaction_read_only') AS value", on: connection, logger: logger)
            .first?.text("value") == "on"
    }

    /// On a read-only server the ledger is read as it is: reads work when it
    /// is migrated already; anything to create is said, for the primary.
    private func checkCurrent(_ connection: PostgresConnection) async throws {
        let tables = try await rows("SELECT CASE WHEN to_regclass('ledger_migrations') IS NULL THEN 0 ELSE 1 END::int8 AS present", on: connection, logger: logger)
        let readOnly = PostgresMigrator.readOnlyServer
        guard tables.first?.integer("present") == 1 else {
            throw StoreError.cannotOpen(path: location.description, detail: "\(readOnly) and holds no ledger: open it once on the primary")
        }
        let applied = try await rows("SELECT identifier FROM ledger_migrations", on: connection, logger: logger).compactMap { $0.text("identifier") }
        try checkKnown(applied)
        let pending = PostgresMigrations.all.filter { !applied.contains($0.identifier) }
        guard pending.isEmpty else {
            throw StoreError.cannotOpen(path: location.description, detail: "\(readOnly) and its ledger needs \(pending.count) "
                                        + "migration(s) this version brings: open it once on the primary, as the tables' owner")
        }
    }

    private func ownsTheLog(_ connection: PostgresConnection) async throws -> Bool {
        try await rows("""
            SELECT CASE WHEN pg_has_role(current_user, c.relowner, 'USAGE') THEN 1 ELSE 0 END::int8 AS owns FROM pg_class c
            WHERE c.oid = to_regclass('events')
            """, on: connection, logger: logger).first?.integer("owns") == 1
    }

    /// The migrations applied so far; creates their table in a schema that
    /// has no ledger yet. A production database is not empty: other tables,
    /// other schemas and the objects of extensions (`pg_stat_statements`'
    /// views, `pgcrypto`'s functions) are no obstacle; only tables or views
    /// of the ledger's own names that it did not make are another application's.
    private func appliedMigrations(_ connection: PostgresConnection) async throws -> (applied: [String], relations: Set<String>) {
        let relations = Set(try await rows("""
            SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
            """, on: connection, logger: logger).compactMap { $0.text("name") })
        if !relations.contains("ledger_migrations") {
            let clashes = relations.intersection(Self.ownNames)
            guard clashes.isEmpty else { throw StoreError.foreignObjects(location: location.description, names: clashes.sorted()) }
            try await run("""
                CREATE TABLE IF NOT EXISTS ledger_migrations (
                    identifier text COLLATE "C" PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, on: connection, logger: logger)
        }
        let applied = try await rows("SELECT identifier FROM ledger_migrations ORDER BY applied_at, identifier",
                                     on: connection, logger: logger).compactMap { $0.text("identifier") }
        return (applied, relations)
    }

    /// The tables and views the migrations create, read from their SQL.
    static let ownNames: Set<String> = SchemaNames.created(by: PostgresMigrations.all).union(["ledger_migrations"])

    /// A migration's statements: each ends with `;` at the end of a line,
    /// outside a `$$`-quoted function body (the extended protocol takes one
    /// statement at a time).
    static func statements(of sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var insideBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("--"), current.isEmpty { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { insideBody.toggle() }
            if !insideBody, trimmed.hasSuffix(";") {
                statements.append(String(current.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }
}
