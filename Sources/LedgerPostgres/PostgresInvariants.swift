import LedgerStore

/// The invariant checks of `ledger verify` for PostgreSQL: the same rules as
/// the SQLite engine's, read straight from the log, in PostgreSQL's SQL.
///
/// What changes in the translation:
/// - `data` is `json`, which has no `=`: fields are compared as extracted
///   text (`->>`) or cast to the type the events encode them with
///   (`::bigint`, `::boolean`). Each such key is written with one type only
///   (`cost`, `amount`, `evidence_position` are always integers, `duplicate`
///   a boolean), so the casts cannot fail on a log the service wrote.
/// - SQLite's null-safe `IS NOT` is `IS DISTINCT FROM`.
/// - SQLite reads JSON `true` as the integer 1; here it is the boolean `true`.
/// - Result columns are named, so a caller can read them by name.
enum PostgresInvariants {
    /// Each query returns (position, stream) of the first violation of the rule at its place in `LedgerInvariants.rules`.
    static let invariants = LedgerInvariants.pairing(sql: [
        // The second terminal outcome is named: the first may be the real one.
        """
            SELECT position, stream FROM (
                SELECT position, stream, row_number() OVER (PARTITION BY stream ORDER BY position) AS n FROM events
                WHERE type IN ('job.completed', 'job.failed', 'job.cancelled')) AS terminal
            WHERE n = 2 ORDER BY 1 LIMIT 1
            """,
        """
            SELECT max(position) AS position, stream FROM events WHERE type = 'credit.refunded'
            GROUP BY stream HAVING count(*) > 1 ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r JOIN events c ON c.stream = r.stream AND c.type = 'job.completed'
            WHERE r.type = 'credit.refunded' ORDER BY 1 LIMIT 1
            """,
        """
            SELECT t.position, t.stream FROM events t
            JOIN events g ON g.stream = t.stream AND g.type = 'job.registered' AND (g.data->>'cost')::bigint > 0
            WHERE t.type IN ('job.failed', 'job.cancelled')
              AND NOT EXISTS (SELECT 1 FROM events r WHERE r.stream = t.stream AND r.type = 'credit.refunded')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT r.position, r.stream FROM events r
            JOIN events g ON g.stream = r.stream AND g.type = 'job.registered'
            WHERE r.type = 'credit.refunded' AND (r.data->>'amount')::bigint <> (g.data->>'cost')::bigint
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT min(c.position) AS position, c.stream FROM events c
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
              AND (r.data->>'account') IS DISTINCT FROM (g.data->>'account')
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT c.position, c.stream FROM events c WHERE c.type = 'credit.recharged'
              AND (c.data->>'amount')::bigint <> (
                  SELECT coalesce(sum((r.data->>'amount')::bigint), 0) FROM events r
                  WHERE r.stream = c.stream AND r.type = 'credit.refunded' AND r.position < c.position)
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT d.position, d.stream FROM events d
            JOIN events f ON f.position = (d.data->>'evidence_position')::bigint
            WHERE d.type IN ('job.completed', 'job.failed', 'job.cancelled', 'credit.refunded', 'job.late_completion')
              AND f.type = 'webhook.received' AND (f.data->>'duplicate')::boolean
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT min(position) AS position, stream FROM events
            GROUP BY stream HAVING max(version) <> count(*) ORDER BY 1 LIMIT 1
            """,
        """
            SELECT position, stream FROM events
            WHERE version = 1 AND substr(stream, 1, 4) = 'job-' AND type <> 'job.registered'
            ORDER BY 1 LIMIT 1
            """,
        """
            SELECT d.position, d.stream FROM events d
            WHERE d.type IN ('job.completed', 'job.failed', 'job.cancelled', 'credit.refunded', 'job.late_completion')
              AND NOT EXISTS (SELECT 1 FROM events f WHERE f.position = (d.data->>'evidence_position')::bigint
                              AND f.stream = d.stream AND f.position <= d.position)
            ORDER BY 1 LIMIT 1
            """,
    ])

    /// The first account whose projected balance differs from its credit events (one column `account`), or no row.
    ///
    /// The full join finds both sides of a mismatch: an account the events
    /// move but the projection lacks, and a projected account no event moves.
    /// The sums are `numeric` (PostgreSQL widens `sum(bigint)`), compared by
    /// value with the projection's `bigint`s. Ordered so the answer is the
    /// same on every run; credit events without an account group under a
    /// NULL account, which sorts last, after every named mismatch.
    static let balanceMismatch: String = """
        WITH moves AS (
            SELECT data->>'account' AS account,
                   sum(CASE WHEN type = 'job.registered' THEN (data->>'cost')::bigint ELSE 0 END) AS charged,
                   sum(CASE WHEN type = 'credit.refunded' THEN (data->>'amount')::bigint ELSE 0 END) AS refunded,
                   sum(CASE WHEN type = 'credit.recharged' THEN (data->>'amount')::bigint ELSE 0 END) AS recharged
            FROM events WHERE type IN ('job.registered', 'credit.refunded', 'credit.recharged')
              AND substr(stream, 1, 4) = 'job-'
            GROUP BY 1
        )
        SELECT coalesce(m.account, a.account) AS account
        FROM moves m FULL OUTER JOIN projection_accounts a USING (account)
        WHERE m.charged IS DISTINCT FROM a.charged OR m.refunded IS DISTINCT FROM a.refunded
           OR m.recharged IS DISTINCT FROM a.recharged
        ORDER BY 1 LIMIT 1
        """
}
