import Foundation
import LedgerCore

/// How the SQLite store opens and behaves. Every SQLite option is set
/// explicitly at open; nothing is left to a library default.
public struct StoreOptions: Sendable {
    /// `full` fsyncs at every commit (nothing acknowledged is lost on power
    /// loss); `normal` may lose the last commits on power loss, never on a crash.
    public enum Durability: String, Sendable, CaseIterable {
        case full, normal

        package var pragmaValue: Int { self == .full ? 2 : 1 }
    }

    public var durability: Durability
    public var lateCompletionPolicy: LateCompletionPolicy
    /// How long a write waits for another process's lock before failing.
    public var busyTimeoutMilliseconds: Int
    /// The most requests one group commit takes.
    public var commitBatchCountMax: Int
    /// Job states the writer keeps in memory; past this the cache is emptied.
    public var jobCacheCountMax: Int
    /// How much of the file each connection maps into memory (`PRAGMA mmap_size`).
    public var mmapBytesMax: Int64 = 1 << 30
    /// Page cache per connection, in KiB (`PRAGMA cache_size`).
    public var pageCacheKibibytes = 16 * 1024
    /// WAL pages after which a commit checkpoints (`PRAGMA wal_autocheckpoint`,
    /// SQLite's default; the power-loss tests lower it so crashes land in checkpoints).
    public var walAutocheckpointPages = 1000
    /// The size the WAL file is cut back to once a checkpoint has copied it all
    /// (`PRAGMA journal_size_limit`): a reader holding an old snapshot lets the
    /// WAL grow while it reads; after it leaves, the next writes give the space back.
    public var walBytesRetainedMax: Int64 = 8 << 20
    /// Free bytes the database must have left to grow (disk space, and the
    /// file-size limit if any) for the readiness probe to pass.
    public var readinessReserveBytes: Int64 = 8 << 20
    /// Below this many events a rebuild folds on one connection; above, on two
    /// in parallel (tests lower it to exercise the split).
    public var rebuildParallelEventCountMin: Int64 = 10_000
    /// The time source for `recorded_at` and decisions (tests pass a manual clock).
    public var clock: @Sendable () -> Timestamp
    /// SQLite's `quick_check` before opening, stopped after this long on a
    /// large file; `nil` skips it (`serve` asks for it, one-off commands do not).
    public var startupQuickCheckMilliseconds: Int?
    /// Queue a notification to the app with every terminal change (`LEDGER_NOTIFY_URL` set).
    public var notificationsEnabled = false
    /// With notifications on, whether starts and progress are queued too (`LEDGER_NOTIFY_EVENTS=all`).
    public var notifyEvents = NotifyEvents.terminal
    /// Whether the Merkle tree's follower extends the stored tree after each
    /// commit (off only to measure what it costs: proofs extend it themselves).
    public var followsTree = true

    public init(durability: Durability = .full, lateCompletionPolicy: LateCompletionPolicy = .keepRefund,
                busyTimeoutMilliseconds: Int = 5000, commitBatchCountMax: Int = 512, jobCacheCountMax: Int = 50_000,
                clock: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }) {
        precondition(busyTimeoutMilliseconds >= 0, "busyTimeoutMilliseconds must not be negative")
        precondition(commitBatchCountMax >= 1, "commitBatchCountMax must be at least 1")
        precondition(jobCacheCountMax >= 1, "jobCacheCountMax must be at least 1")
        self.durability = durability
        self.lateCompletionPolicy = lateCompletionPolicy
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.commitBatchCountMax = commitBatchCountMax
        self.jobCacheCountMax = jobCacheCountMax
        self.clock = clock
    }
}
