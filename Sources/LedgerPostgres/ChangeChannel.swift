import LedgerStore
import Logging
import PostgresNIO

/// Long polls (`?wait=`) woken by any node's commit: each batch that changed
/// jobs sends their ids on one `NOTIFY` channel (from `ledger_append_batch`) (delivered at commit, never
/// for a rolled-back batch), and every node listens on a connection of its
/// own. Notifications sent while a node was not listening are lost, so after
/// each reconnection every waiter is woken to read its job again. A node's
/// own commits wake its waiters directly: the payload names the node, whose
/// listener skips its own (a late echo would wake a waiter that subscribed
/// after the commit, before any change). LISTEN does not pass through
/// PgBouncer's transaction pooling (docs/postgres.md).
enum ChangeChannel {
    static let name = "ledger_changes"
    /// PostgreSQL's payload limit is 8000 bytes: past this, "every job".
    static let payloadBytesMax = 7_000
    static let everyJob = "*"

    /// The payload: the sending node's id on the first line, then one job id
    /// per line; nil when no job changed (nothing to notify).
    static func payload(_ jobIDs: Set<String>, from node: String) -> String? {
        guard !jobIDs.isEmpty else { return nil }
        var jobs = jobIDs.sorted().joined(separator: "\n")
        if jobs.utf8.count > payloadBytesMax { jobs = everyJob }
        return node + "\n" + jobs
    }

    /// Listens until cancelled, reconnecting after a lost connection.
    static func listen(_ client: PostgresClient, as node: String, wake changes: ChangeSignals, logger: Logger) async {
        // Started beside the client's `run()`: give it the moment to begin, or the
        // client warns (in plain text) that a connection was asked for before it ran.
        try? await Task.sleep(for: .milliseconds(50))
        // Waiters could have missed a commit only once a listening attempt failed.
        var attempts = 0
        while !Task.isCancelled {
            attempts += 1
            do {
                try await client.withConnection { [attempts] connection in
                    try await connection.listen(on: name) { notifications in
                        if attempts > 1 { changes.changedAll() }
                        for try await notification in notifications {
                            let lines = notification.payload.split(separator: "\n").map(String.init)
                            guard let sender = lines.first, sender != node else { continue }
                            let jobs = lines.dropFirst()
                            if jobs.first == everyJob { changes.changedAll() } else { changes.changed(Array(jobs)) }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                // PSQLError's own description hides its cause ("Generic description to prevent leakage").
                let reason = (error as? PSQLError).map(PostgresConnectFailure.describe) ?? "\(error)"
                logger.warning("the change listener lost its connection; reconnecting", metadata: ["error": "\(reason)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
