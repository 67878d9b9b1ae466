import LedgerCore
import LedgerStore
import PostgresNIO

/// `verify`'s walk (``VerifyWalk``) fed from PostgreSQL on one connection,
/// inside a transaction the caller holds, so the log and the projected
/// balances are read in one snapshot while other nodes go on appending.
struct PostgresLogWalk {
    let connection: PostgresConnection
    let logger: Logger
    var pageCount = 10_000

    func report(progress: (Int64) -> Void) async throws -> VerificationReport {
        let runs = try await rows("SELECT \(StoredEvent.postgresSelectList) FROM events WHERE stream = $1 ORDER BY version",
                                  [.text(RetentionRun.stream)], on: connection, logger: logger).map(StoredEvent.init(postgres:))
        var walk = VerifyWalk(retentionRuns: runs, progressEvery: Int64(pageCount))
        var after: Int64 = 0
        while true {
            let page = try await rows("SELECT \(StoredEvent.postgresSelectList) FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                                      [.integer(after), .integer(Int64(pageCount))], on: connection, logger: logger)
                .map(StoredEvent.init(postgres:))
            guard let first = page.first, let last = page.last else { break }
            let recorded = try await recordedRedactions(first.position...last.position)
            walk.useRecordedRedactions { recorded[$0] }
            for event in page { walk.visit(event, progress: progress) }
            after = last.position
        }
        return walk.finish(projectedBalances: try await projectedBalances())
    }

    /// What retention redacted the bodies in `positions` to (their digests).
    private func recordedRedactions(_ positions: ClosedRange<Int64>) async throws -> [Int64: String] {
        let found = try await rows("SELECT position, data_sha256 FROM retention_redactions WHERE position BETWEEN $1 AND $2",
                                   [.integer(positions.lowerBound), .integer(positions.upperBound)], on: connection, logger: logger)
        return found.reduce(into: [:]) { digests, row in
            if let position = row.integer("position"), let digest = row.text("data_sha256") { digests[position] = digest }
        }
    }

    /// Every account's balance as the projection holds it.
    private func projectedBalances() async throws -> [(account: String, moves: CreditMoves)] {
        let found = try await rows("SELECT account, charged, refunded, recharged FROM projection_accounts", on: connection, logger: logger)
        return found.compactMap { row in
            guard let account = row.text("account") else { return nil }
            return (account, CreditMoves(charged: row.integer("charged") ?? 0, refunded: row.integer("refunded") ?? 0,
                                         recharged: row.integer("recharged") ?? 0))
        }
    }
}
