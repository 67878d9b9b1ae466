import LedgerStore
import Logging
import PostgresNIO

/// Long polls (`?wait=`) woken by any node's commit: each batch that changed
/// jobs sends their ids on one `NOTIFY` channel (delivered at commit, never
/// for a rolled-back batch), and every node listens on a connection of its
/// own. Notifications sent while a node was not listening are lost, so after
/// each (re)connection every waiter is woken to read its job again. LISTEN
/// does not pass through PgBouncer's transaction pooling (docs/postgres.md).
enum ChangeChannel {
    static let name = "ledger_changes"
    /// PostgreSQL's payload limit is 8000 bytes: past this, "every job".
    static let payloadBytesMax = 7_000
    static let everyJob = "*"

    static func notify(_ jobIDs: Set<String>, on connection: PostgresConnection, logger: Logger) async throws {
        guard !jobIDs.isEmpty else { return }
        var payload = jobIDs.sorted().joined(separator: "\n")
        if payload.utf8.count > payloadBytesMax { payload = everyJob }
        try await run("SELECT pg_notify($1, $2)", [.text(name), .text(payload)], on: connection, logger: logger)
    }

    /// Listens until cancelled, reconnecting after a lost connection.
    static func listen(_ client: PostgresClient, wake changes: ChangeSignals, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: name) { notifications in
                        changes.changedAll()
                        for try await notification in notifications {
                            if notification.payload == everyJob {
                                changes.changedAll()
                            } else {
                                changes.changed(notification.payload.split(separator: "\n").map(String.init))
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("the change listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
