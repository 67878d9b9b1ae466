import Foundation
import LedgerStore
import Logging
import PostgresNIO

/// Brings a database to ``PostgresMigrations/all`` in one transaction, under
/// an advisory lock so that nodes starting together migrate once. A database
/// that holds other tables and no ledger, or one migrated by a newer ledger,
/// is refused untouched.
struct PostgresMigrator {
    let location: PostgresLocation
    let logger: Logger

    func migrate(_ connection: PostgresConnection) async throws {
        try await run("BEGIN", on: connection, logger: logger)
        do {
            try await run("SELECT pg_advisory_xact_lock($1)", [.integer(PostgresMigrations.advisoryLockKey)],
                          on: connection, logger: logger)
            let applied = try await appliedMigrations(connection)
            let known = PostgresMigrations.all.map(\.identifier)
            let unknown = applied.filter { !known.contains($0) }
            guard unknown.isEmpty else {
                throw StoreError.newerLedger(path: location.description, migrations: unknown)
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.identifier) {
                for sql in Self.statements(of: migration.sql) { try await run(sql, on: connection, logger: logger) }
                try await run("INSERT INTO ledger_migrations (identifier) VALUES ($1)", [.text(migration.identifier)],
                              on: connection, logger: logger)
            }
            try await run(PostgresReaderRole.ensure, on: connection, logger: logger)
            try await run("COMMIT", on: connection, logger: logger)
        } catch {
            await rollBack(on: connection, logger: logger)
            throw error
        }
    }

    /// The migrations applied so far; creates their table in a database that is empty.
    private func appliedMigrations(_ connection: PostgresConnection) async throws -> [String] {
        let tables = try await rows("""
            SELECT table_name::text AS name FROM information_schema.tables
            WHERE table_schema = current_schema() ORDER BY table_name
            """, on: connection, logger: logger).compactMap { $0.text("name") }
        if !tables.isEmpty, !tables.contains("ledger_migrations") {
            throw StoreError.notALedger(path: location.description, tables: tables)
        }
        // Created only in an empty database: a read-only role opening a ledger
        // (`ledger query`) may not create anything.
        if tables.isEmpty { try await run("""
            CREATE TABLE IF NOT EXISTS ledger_migrations (
                identifier text COLLATE "C" PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, on: connection, logger: logger) }
        return try await rows("SELECT identifier FROM ledger_migrations ORDER BY applied_at, identifier",
                              on: connection, logger: logger).compactMap { $0.text("identifier") }
    }

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
