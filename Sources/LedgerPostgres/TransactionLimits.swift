/// What each transaction the ledger opens that takes a lock other nodes wait
/// for (the chain's, in locked mode and in an import or a rebuild; the
/// migrations' advisory lock) sets first, in one statement.
///
/// A node paused inside such a transaction (a frozen VM, SIGSTOP) held the
/// lock for as long as it stayed paused, and every node's writes failed
/// meanwhile: PostgreSQL ends a session idle in its transaction for 10 s, and
/// its locks with it (nothing of it was acknowledged). The ledger itself is
/// never idle that long between two statements (it decides a batch, or folds
/// a chunk of the log: milliseconds). Set per transaction, not at connect:
/// PgBouncer refuses a startup parameter it does not know.
enum TransactionLimits {
    static let idleMax = "10s"

    /// The statement; with `lockTimeoutMilliseconds`, the lock wait's bound too.
    static func sql(lockTimeoutMilliseconds: Int? = nil) -> String {
        "SELECT set_config('idle_in_transaction_session_timeout', '\(idleMax)', true)"
            + (lockTimeoutMilliseconds.map { ", set_config('lock_timeout', '\($0)ms', true)" } ?? "")
    }
}
