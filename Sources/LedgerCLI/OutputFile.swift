import Foundation

/// A file a command writes (`checkpoint --out`): never one that exists
/// unless `--force` says so, and a failure names the path and its cause.
enum OutputFile {
    static func write(_ contents: Data, to path: String, force: Bool) throws {
        if !force, FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(.usage, "\(path) exists; give --force to overwrite it, or another --out")
        }
        // O_EXCL without --force: a file created between the check and the
        // open is not overwritten either.
        let flags = O_WRONLY | O_CREAT | O_TRUNC | (force ? 0 : O_EXCL)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else {
            throw CommandFailure(.usage, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: contents)
            try handle.synchronize()
        } catch {
            throw CommandFailure(.usage, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
