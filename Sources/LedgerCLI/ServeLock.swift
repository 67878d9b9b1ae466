import Foundation
import LedgerSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One `serve` per SQLite file. A second one on the same file serves as well
/// (SQLite's own locks let both write), but both poll and both notify: an
/// on-call saw 31 of 80 notifications sent twice. `serve` takes an advisory
/// `flock` on `<database>.serve-lock` before it opens the database (a refused
/// second `serve` must not migrate the file or record its settings first) and
/// holds it until the process ends. The lock is on a file of its own: on macOS
/// `flock` and SQLite's `fcntl` locks on one file conflict, and closing a
/// second descriptor of the database would drop SQLite's locks on Linux.
/// Cron commands take none (`poll --once` beside `serve` is allowed); a
/// command that must not run beside `serve` (`rebuild`, `rebuild --tree`,
/// `import`: a serve would append to tables being replaced, or decide against
/// a head the import moved) takes it too.
enum ServeLock {
    /// Takes the lock for the database at `location`, or throws when another
    /// `serve` holds it or it cannot be taken. `command`: the command taking it.
    static func hold(sqliteDatabase location: String, for command: String = "serve") throws {
        // A path that cannot hold a database is named as such before any lock file is made beside it.
        do { try SQLiteEventStore.lookAt(location) } catch { throw CommandFailure(error) }
        let path = lockPath(for: location)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure(.unusableDatabase, "cannot take serve's lock \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(descriptor)
            guard busy else { throw CommandFailure(.unusableDatabase, "cannot take serve's lock \(path): \(String(cString: strerror(errno)))") }
            throw CommandFailure(.unusableDatabase, command == "serve"
                ? "another ledger serve is using \(location) (it holds \(path)): run one serve per SQLite file (for several "
                    + "nodes, use PostgreSQL: docs/postgres.md)"
                : "ledger serve is using \(location) (it holds \(path)): stop it before `ledger \(command)`, which replaces "
                    + "what serve writes to")
        }
        // Held, deliberately never closed: the process's end lets it go, a crash too.
    }

    /// The lock file beside the database, named after the file however the
    /// path is written (relative, through a symbolic link). `serve` has checked
    /// the path first (``SQLiteEventStore/lookAt(_:)``: a `file:` URI is refused there).
    static func lockPath(for location: String) -> String {
        let url = URL(fileURLWithPath: location).standardizedFileURL
        let resolved = FileManager.default.fileExists(atPath: url.path)
            ? url.resolvingSymlinksInPath()
            : url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent)
        return resolved.path + ".serve-lock"
    }
}
