import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end with `posix_spawn`, not Foundation's `Process`.
///
/// Why: on Linux, `Process.run()` (swift-corelibs-foundation as shipped with
/// Swift 6.3.1) lists `/proc/self/fd` and copies each entry's whole 256-byte
/// name, reading past glibc's buffer when an entry ends a page: a test
/// process with over a thousand descriptors open (hundreds of ledgers at
/// once) crashed with SIGSEGV in about one full run in two (fixed upstream
/// by swift-corelibs-foundation PR 5472). And `readDataToEndOfFile` crashes
/// on EINTR. This helper reads and waits with plain system calls, retrying
/// on EINTR. Servers that run beside a test keep `Process` (few, long-lived).
public enum Spawn {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data

        public var output: String { String(decoding: stdout, as: UTF8.self) }
        public var errorOutput: String { String(decoding: stderr, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `arguments` and `environment` (the process's own
    /// when nil), feeding `input` on its standard input (none: /dev/null);
    /// killed after `timeoutSeconds`. The exit status, or 128 + the signal.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: Data? = nil, timeoutSeconds: Int = 120) throws -> Result {
        _ = ignoringBrokenPipes
        let stdout = try makePipe(), stderr = try makePipe(), stdin = try makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        // Nothing else: a socket another test holds open must not live on in a child it outlasts.
        ThrowawayPostgres.closeInheritedDescriptors(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in env { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, env)
        for fd in [stdin.read, stdout.write, stderr.write] { close(fd) }
        guard spawned == 0 else {
            for fd in [stdin.write, stdout.read, stderr.read] { close(fd) }
            throw Failure(description: "posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(timeoutSeconds), execute: watchdog)
        let group = DispatchGroup()
        let errorBytes = Collected()
        DispatchQueue.global().async(group: group) { errorBytes.data = readAll(stderr.read) }
        DispatchQueue.global().async(group: group) {
            if let input { writeAll(stdin.write, input) }
            close(stdin.write)
        }
        let outputBytes = readAll(stdout.read)
        group.wait()
        watchdog.cancel()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = status & 0x7f == 0
        return Result(status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), stdout: outputBytes, stderr: errorBytes.data)
    }

    /// What one reader thread collected, read once the group is done.
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }

    /// A child that exits before reading its input must not kill the tests with SIGPIPE.
    private static let ignoringBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    /// A pipe whose ends close on exec (the child gets them only as 0, 1, 2).
    /// Glibc's `pipe2` is not imported into Swift: set FD_CLOEXEC at once.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    private static func readAll(_ fd: Int32) -> Data {
        defer { close(fd) }
        var data = Data(), buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { data.append(contentsOf: buffer[0..<count]); continue }
            if count == -1 && errno == EINTR { continue }
            return data
        }
    }

    private static func writeAll(_ fd: Int32, _ data: Data) {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if count > 0 { offset += count } else if count == -1 && errno == EINTR { continue } else { return }
        }
    }
}
