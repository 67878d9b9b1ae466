import LedgerStore
import PostgresNIO

/// The grants each part of the ledger needs of the role it connects as, so
/// a missing one is named (with the SQL that gives it) instead of showing up
/// as refused writes: `/readyz` and the readiness probe check the append's,
/// `ledger doctor` all of them.
struct PostgresPrivilege: Sendable, Hashable {
    let part: String
    let privilege: String
    let table: String
    /// A column privilege, when the grant is on one column only.
    let column: String?

    init(_ part: String, _ privilege: String, on table: String, column: String? = nil) {
        self.part = part
        self.privilege = privilege
        self.table = table
        self.column = column
    }

    static let projections = ProjectionTable.folded.map(\.name)

    /// What appending (ingest, every decision) needs.
    static let append: [PostgresPrivilege] = [
        PostgresPrivilege("appending", "SELECT", on: "events"), PostgresPrivilege("appending", "INSERT", on: "events"),
        PostgresPrivilege("appending", "SELECT", on: "ledger_head"), PostgresPrivilege("appending", "UPDATE", on: "ledger_head"),
        PostgresPrivilege("appending", "UPDATE", on: "projection_checkpoint"),
    ] + projections.flatMap { table in
        ["SELECT", "INSERT", "UPDATE"].map { PostgresPrivilege("appending", $0, on: table) }
    }

    /// Everything: appending, the background services' leases, the recorded
    /// settings, retention's redaction and rebuilding the projections.
    static let all: [PostgresPrivilege] = append + [
        PostgresPrivilege("background services", "SELECT", on: "ledger_leases"),
        PostgresPrivilege("background services", "INSERT", on: "ledger_leases"),
        PostgresPrivilege("background services", "UPDATE", on: "ledger_leases"),
        PostgresPrivilege("recorded settings and readiness", "SELECT", on: "ledger_settings"),
        PostgresPrivilege("recorded settings and readiness", "INSERT", on: "ledger_settings"),
        PostgresPrivilege("recorded settings and readiness", "UPDATE", on: "ledger_settings"),
        PostgresPrivilege("retention's redaction", "UPDATE", on: "events", column: "data"),
        PostgresPrivilege("retention's redaction", "SELECT", on: "retention_redactions"),
        PostgresPrivilege("retention's redaction", "INSERT", on: "retention_redactions"),
    ] + projections.map { PostgresPrivilege("rebuilding the projections", "DELETE", on: $0) }
        + ["merkle_nodes", "merkle_tree", "tree_checkpoints"].flatMap { table in
            ["SELECT", "INSERT", "UPDATE"].map { PostgresPrivilege("the Merkle tree and checkpoints", $0, on: table) }
        }

    /// The SQL an owner runs to give it.
    func grant(to role: String) -> String {
        "GRANT \(privilege)\(column.map { " (\($0))" } ?? "") ON \(table) TO \(role)"
    }
}

extension PostgresEventStore {
    /// The privileges in `needed` the connecting role lacks.
    func missingPrivileges(_ needed: [PostgresPrivilege], _ connection: PostgresConnection) async throws -> [PostgresPrivilege] {
        let checks = needed.map { privilege in
            privilege.column.map { "has_column_privilege('\(privilege.table)', '\($0)', '\(privilege.privilege)')" }
                ?? "has_table_privilege('\(privilege.table)', '\(privilege.privilege)')"
        }
        guard let row = try await rows("SELECT " + checks.enumerated().map { "\($1) AS p\($0)" }.joined(separator: ", "),
                                       on: connection, logger: logger).first else { return [] }
        return needed.enumerated().compactMap { index, privilege in
            (try? row["p\(index)"].decode(Bool.self)) == false ? privilege : nil
        }
    }

    /// The role the node connects as (for the GRANT it needs).
    func connectedRole(_ connection: PostgresConnection) async throws -> String {
        try await rows("SELECT current_user::text AS role", on: connection, logger: logger).first?.text("role") ?? location.user
    }
}
