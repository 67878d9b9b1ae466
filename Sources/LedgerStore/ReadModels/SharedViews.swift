/// Auditors' views whose SQL is the same on both engines, created by each
/// engine's migration from here. Frozen once released, as every migration
/// is: a change is a new migration on each engine.
public enum SharedViews {
    /// `notifications`: every notification the ledger queued for the app,
    /// `pending` (not yet delivered, retrying) or settled (`delivered`,
    /// `dead_lettered`), with its attempts and times (docs/database.md).
    public static let notifications = """
        CREATE VIEW notifications AS
        SELECT job_id, notification_id, event,
               CASE stage WHEN 'open' THEN 'pending' ELSE stage END AS stage,
               attempts, queued_at, last_attempt_at, settled_at
        FROM projection_notifications
        """
}
