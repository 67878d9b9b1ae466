import LedgerPostgres

/// How a command the ledger suggests (`ledger doctor`'s) names the database:
/// ` --db 'PATH'`, shell-quoted, so a URL's `?` and `&` survive a paste; and
/// never with a password: a PostgreSQL URL that holds one is named as
/// `"$LEDGER_DB"` instead, the variable the operator keeps it in.
struct DatabaseFlag {
    let text: String

    init(_ location: String) {
        if let url = try? PostgresLocation(url: location), url.password != nil {
            text = #" --db "$LEDGER_DB""#
        } else {
            text = " --db " + Self.shellQuoted(location)
        }
    }

    /// `text` in single quotes, each single quote closed, escaped and reopened.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
