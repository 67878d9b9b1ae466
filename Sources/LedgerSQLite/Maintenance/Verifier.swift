import GRDB
import LedgerCore
import LedgerStore

/// `ledger verify`: recomputes the hash chain, checks that the immutability
/// triggers are the shipped ones, and checks the invariants of the ledger
/// straight from the log (not from the projections, which it does not trust).
struct Verifier {
    var progressEvery: Int64 = 100_000

    func run(_ db: Database, progress: (Int64) -> Void) throws -> VerificationReport {
        var report = VerificationReport()
        try checkPages(db, &report)
        try checkChain(db, &report, progress: progress)
        try checkTriggers(db, &report)
        for invariant in Self.invariants {
            if let row = try Row.fetchOne(db, sql: invariant.sql) {
                let position: Int64? = row[0]
                let stream: String = row[1] ?? "?"
                report.findings.append(.init(check: "invariant", position: position, detail: "\(stream): \(invariant.rule)"))
            }
        }
        try checkBalances(db, &report)
        return report
    }

    /// SQLite's own page check (`PRAGMA quick_check`): a damaged page of an
    /// index or a projection table is found here even when every event still
    /// reads; nothing is repaired.
    private func checkPages(_ db: Database, _ report: inout VerificationReport) throws {
        let messages = try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        guard messages != ["ok"] else { return }
        report.findings.append(.init(check: "pages", position: nil,
                                     detail: "SQLite reports damage: \(messages.joined(separator: "; ")); restore from a backup (docs/runbooks.md)"))
    }

    /// Position by position: no gap, each `prev_hash` is the previous `hash`,
    /// each `hash` recomputes. Stops at the first break: after it, every
    /// later hash is suspect anyway.
    private func checkChain(_ db: Database, _ report: inout VerificationReport, progress: (Int64) -> Void) throws {
        // By the (stream, version) index: a type filter would scan the whole log once more.
        let runs = try Row.fetchAll(db, sql: "SELECT \(StoredEvent.selectColumns) FROM events WHERE stream = ? ORDER BY version",
                                    arguments: [RetentionRun.stream]).map(StoredEvent.init(row:))
        var chain = ChainCheck(runs: ChainCheck.runs(in: runs))
        let recorded = try db.cachedStatement(sql: "SELECT data_sha256 FROM retention_redactions WHERE position = ?")
        chain.recordedRedaction = { position in try? String.fetchOne(recorded, arguments: [position]) }
        let rows = try Row.fetchCursor(db, sql: "SELECT \(StoredEvent.selectColumns) FROM events ORDER BY position")
        while let row = try rows.next() {
            let event = StoredEvent(row: row)
            report.eventsChecked += 1
            if let problem = chain.check(event) {
                report.findings.append(.init(check: "chain", position: event.position, detail: problem))
                return
            }
            if report.eventsChecked % progressEvery == 0 { progress(report.eventsChecked) }
        }
        report.head = chain.head
    }

    private func checkTriggers(_ db: Database, _ report: inout VerificationReport) throws {
        let expected = try Self.shippedTriggers()
        let sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
        let actual = try Row.fetchAll(db, sql: sql).reduce(into: [String: String]()) { $0[$1[0]] = $1[1] }
        for (name, text) in expected.sorted(by: { $0.key < $1.key }) where actual[name] != text {
            let detail = actual[name] == nil ? "trigger \(name) is missing" : "trigger \(name) was changed"
            report.findings.append(.init(check: "triggers", position: nil, detail: detail))
        }
    }

    /// The triggers exactly as the shipped migration creates them.
    private static func shippedTriggers() throws -> [String: String] {
        let scratch = try DatabaseQueue()
        return try scratch.write { db in
            for migration in LedgerMigrations.all { try db.execute(sql: migration.sql) }
            let rows = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")
            return rows.reduce(into: [String: String]()) { $0[$1[0]] = $1[1] }
        }
    }

    /// Each query returns (first position, stream) of the first violation of the rule at its place in ``LedgerInvariants/rules``.
    static let invariants = LedgerInvariants.pairing(sql: [
        // The second terminal outcome is named: the first may be the real one.
        """
            SELECT position, stream FROM (
                SELECT position, stream, row_number() OVER (PARTITION BY stream ORDER BY position) AS n FROM events
                WHERE type IN ('job.completed', 'job.failed', 'job.cancelled'))
            WHERE n = 2 ORDER BY 1 LIMIT 1
            """,
        """
            SELECT max(position), stream FROM events WHERE type = 'credit.refunded'
            GROUP BY stream HAVING count(*) > 1 ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r JOIN events c ON c.stream = r.stream AND c.type = 'job.completed'
            WHERE r.type = 'credit.refunded' ORDER BY 1 LIMIT 1
            """,
        """
            SELECT t.position, t.stream FROM events t
            JOIN events g ON g.stream = t.stream AND g.type = 'job.registered' AND json_extract(g.data, '$.cost') > 0
            WHERE t.type IN ('job.failed', 'job.cancelled')
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = t.stream AND r.type = 'credit.refunded')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r
            JOIN events g ON g.stream = r.stream AND g.type = 'job.registered'
            WHERE r.type = 'credit.refunded' AND json_extract(r.data, '$.amount') != json_extract(g.data, '$.cost')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT min(c.position), c.stream FROM events c
            WHERE c.type = 'credit.recharged'
            GROUP BY c.stream
            HAVING count(*) > 1
                OR NOT EXISTS (SELECT 1 FROM events l WHERE l.stream = c.stream AND l.type = 'job.late_completion')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r WHERE r.type = 'credit.refunded'
              AND NOT EXISTS (SELECT 1 FROM events t WHERE t.stream = r.stream
                              AND t.type IN ('job.failed', 'job.cancelled') AND t.position < r.position)
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r
            JOIN events g ON g.stream = r.stream AND g.type = 'job.registered'
            WHERE r.type IN ('credit.refunded', 'credit.recharged')
              AND json_extract(r.data, '$.account') IS NOT json_extract(g.data, '$.account')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT c.position, c.stream FROM events c WHERE c.type = 'credit.recharged'
              AND json_extract(c.data, '$.amount') != (
                  SELECT coalesce(sum(json_extract(r.data, '$.amount')), 0) FROM events r
                  WHERE r.stream = c.stream AND r.type = 'credit.refunded' AND r.position < c.position)
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT d.position, d.stream FROM events d
            JOIN events f ON f.position = json_extract(d.data, '$.evidence_position')
            WHERE d.type IN ('job.completed', 'job.failed', 'job.cancelled', 'credit.refunded', 'job.late_completion')
              AND f.type = 'webhook.received' AND json_extract(f.data, '$.duplicate') = 1
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT min(position), stream FROM events GROUP BY stream HAVING max(version) != count(*) ORDER BY 1 LIMIT 1
            """,
        """
            SELECT position, stream FROM events
            WHERE version = 1 AND substr(stream, 1, 4) = 'job-' AND type != 'job.registered'
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT d.position, d.stream FROM events d
            WHERE d.type IN ('job.completed', 'job.failed', 'job.cancelled', 'credit.refunded', 'job.late_completion')
              AND NOT EXISTS (SELECT 1 FROM events f WHERE f.position = json_extract(d.data, '$.evidence_position')
                              AND f.stream = d.stream AND f.position <= d.position)
            ORDER BY 1 LIMIT 1
            """,
    ])

    /// Every account's balance in the projection equals the sum of its credit events.
    private func checkBalances(_ db: Database, _ report: inout VerificationReport) throws {
        let sql = """
            WITH moves AS (
                SELECT json_extract(data, '$.account') AS account,
                       sum(CASE WHEN type = 'job.registered' THEN json_extract(data, '$.cost') ELSE 0 END) AS charged,
                       sum(CASE WHEN type = 'credit.refunded' THEN json_extract(data, '$.amount') ELSE 0 END) AS refunded,
                       sum(CASE WHEN type = 'credit.recharged' THEN json_extract(data, '$.amount') ELSE 0 END) AS recharged
                FROM events WHERE type IN ('job.registered', 'credit.refunded', 'credit.recharged')
                  AND substr(stream, 1, 4) = 'job-'
                GROUP BY 1
            )
            SELECT coalesce(m.account, a.account) FROM moves m FULL OUTER JOIN projection_accounts a USING (account)
            WHERE m.charged IS NOT a.charged OR m.refunded IS NOT a.refunded OR m.recharged IS NOT a.recharged
            LIMIT 1
            """
        if let account = try String.fetchOne(db, sql: sql) {
            report.findings.append(.init(check: "invariant", position: nil,
                                         detail: "account \(account): balance differs from its credit events; run `ledger rebuild`"))
        }
    }
}
