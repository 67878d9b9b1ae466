import Foundation

/// Room left for the database to grow: free space on its file system and, when
/// the process runs under a file-size limit (`ulimit -f`), what the limit still
/// allows the largest of its files. Readiness needs it because a probe that
/// commits one page still fits in the space a failed bigger commit left behind,
/// so on a full disk `/readyz` would say ready while every webhook gets 503.
enum StorageHeadroom {
    static func bytes(forDatabaseAt path: String) -> Int64 {
        min(freeFileSystemBytes(path), fileSizeLimitRoom(path))
    }

    private static func freeFileSystemBytes(_ path: String) -> Int64 {
        var stats = statvfs()
        let directory = (path as NSString).deletingLastPathComponent
        guard statvfs(directory.isEmpty ? "." : directory, &stats) == 0 else { return .max }  // unknown: do not block
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }

    private static func fileSizeLimitRoom(_ path: String) -> Int64 {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
        #else
        let resource = RLIMIT_FSIZE
        #endif
        // RLIM_INFINITY is all ones (the C macro does not import as an unsigned constant).
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return .max }
        let largest = [path, path + "-wal"].compactMap { file -> Int64? in
            (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
        }.max() ?? 0
        return Int64(clamping: limit.rlim_cur) - largest
    }
}
