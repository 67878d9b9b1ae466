extension PostgresMigrations {
    /// `projection_jobs` keeps 30 % of each page free. A job's row is
    /// rewritten at every group commit that touches the job, nearly always
    /// with its indexed columns (account, provider, external id, status)
    /// unchanged, and PostgreSQL then keeps the new version on the same page
    /// without a new entry in any of the table's four indexes (a heap-only
    /// update), but only if that page has room; at the default fill factor it
    /// has none. 20,000 upserts of every column on 1,000 rows (as the writer's; one
    /// database, no vacuum between): write-ahead log 724-744 → 566-592 bytes
    /// per upsert, time 1.08-1.17 → 1.02-1.08 s; a third of the updates went
    /// heap-only, almost none at the default. Pages written before the
    /// migration keep their layout until `VACUUM FULL projection_jobs`.
    static let v11JobsFillFactor = "ALTER TABLE projection_jobs SET (fillfactor = 70);"
}
