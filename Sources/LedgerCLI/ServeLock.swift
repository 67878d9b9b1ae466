import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One `serve` per SQLite file. A second one on the same file serves as well
/// (SQLite's own locks let both write), but both poll and both notify: an
/// on-call saw 31 of 80 notifications sent twice. `serve` takes an advisory
/// `flock` on the database file and holds it until the process ends. It
/// does not touch SQLite's locks (on Linux `flock` and SQLite's `fcntl`
/// record locks are apart), and the descriptor is never closed before the
/// process ends: closing a second descriptor of the file would drop the
/// process's `fcntl` locks, SQLite's among them. Cron commands take none
/// (`poll --once` beside `serve` is allowed, docs/guarantees.md).
enum ServeLock {
    /// Takes the lock on the file at `path`, or throws when another `serve` holds it.
    static func hold(sqliteFileAt path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }  // opened already by the store: nothing else can be wrong here
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw CommandFailure(.unusableDatabase, "another ledger serve is using \(path): run one serve per SQLite file "
                                 + "(for several nodes, use PostgreSQL: docs/postgres.md)")
        }
    }
}
