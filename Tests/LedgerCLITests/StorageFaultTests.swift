import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Storage faults on a real `ledger serve`: fdatasync
/// failing with EIO (strace injection), a full disk (a small tmpfs) and a
/// file-size limit. Each time: writes are answered 503 and nothing is
/// acknowledged that is not stored, `/readyz` is not ready, the process
/// survives, and once the fault stops it recovers by itself; the log then
/// holds every acknowledged job, verifies and equals a rebuild.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root for ptrace, mount and prlimit"))
struct StorageFaultTests {
    @Test func fdatasyncFailingWithEIOIsRefusedAndRecoveredFrom() async throws {
        let path = Fixtures.temporaryDatabasePath()
        var tracer: Process?
        try await StorageFaultRun(path: path).exercise(begin: { server in
            tracer = try await Self.injectSyncErrors(into: server)
        }, end: { _ in
            guard let tracer else { return }
            // strace dies and the kernel detaches every traced thread: syncs work again. (SIGINT,
            // strace's own way to detach, left it running when started from the test runner.)
            kill(tracer.processIdentifier, SIGKILL)
            await tracer.exited()
        })
    }

    @Test func aFullDiskIsRefusedAndRecoveredFromWhenSpaceReturns() async throws {
        let mount = NSTemporaryDirectory() + "ledger-full-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try #require(try await Self.command("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mount]) == 0)
        defer { _ = try? Self.commandBlocking("/usr/bin/umount", ["-l", mount]) }
        let ballast = mount + "/ballast"
        try await StorageFaultRun(path: mount + "/ledger.sqlite").exercise(begin: { _ in
            // Fill what is left (dd stops at ENOSPC).
            _ = try await Self.command("/usr/bin/dd", ["if=/dev/zero", "of=\(ballast)", "bs=64k"])
        }, end: { _ in
            try FileManager.default.removeItem(atPath: ballast)
        })
    }

    @Test func aFileSizeLimitIsRefusedAndRecoveredFromWhenLifted() async throws {
        let path = Fixtures.temporaryDatabasePath()
        try await StorageFaultRun(path: path).exercise(begin: { server in
            let largest = [path, path + "-wal"].compactMap {
                (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? NSNumber)?.intValue
            }.max() ?? 0
            let limit = "--fsize=\(largest + 64 * 1024):unlimited"
            try #require(try await Self.command("/usr/bin/prlimit", ["--pid", "\(server.processIdentifier)", limit]) == 0)
        }, end: { server in
            let lifted = "--fsize=unlimited:unlimited"
            try #require(try await Self.command("/usr/bin/prlimit", ["--pid", "\(server.processIdentifier)", lifted]) == 0)
        })
    }

    /// Attaches strace to every thread of the server, failing each fsync and
    /// fdatasync with EIO, and waits until every thread is traced.
    static func injectSyncErrors(into server: Process) async throws -> Process {
        let tracer = Process()
        tracer.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        tracer.arguments = ["-f", "-qq", "-o", "/dev/null", "-e", "trace=fsync,fdatasync",
                            "-e", "inject=fsync,fdatasync:error=EIO", "-p", "\(server.processIdentifier)"]
        tracer.standardError = FileHandle.nullDevice
        try tracer.run()
        let tasks = "/proc/\(server.processIdentifier)/task"
        for _ in 0..<100 {  // bounded: 10 s
            let threads = try FileManager.default.contentsOfDirectory(atPath: tasks)
            let traced = threads.filter { thread in
                let status = (try? String(contentsOfFile: "\(tasks)/\(thread)/status", encoding: .utf8)) ?? ""
                return status.split(separator: "\n").contains { $0.hasPrefix("TracerPid:") && !$0.hasSuffix("\t0") }
            }
            if traced.count == threads.count { return tracer }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(tracer.processIdentifier, SIGKILL)
        throw StorageFaultFailure("strace did not attach to every thread")
    }

    /// Runs a helper program off the cooperative pool (see `offPool`).
    @discardableResult
    static func command(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        try await offPool { try commandBlocking(executable, arguments) }
    }

    @discardableResult
    static func commandBlocking(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct StorageFaultFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One fault end to end: acknowledged writes, the fault, refused writes and an
/// unready `/readyz`, the fault lifted, recovery without a restart, SIGTERM,
/// and the log checked.
struct StorageFaultRun {
    let path: String
    let port = ServeProcessTests.freePort()
    private var base: String { "http://127.0.0.1:\(port)" }

    func exercise(begin: (Process) async throws -> Void, end: (Process) async throws -> Void) async throws {
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": ServeProcessTests.keys])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var acknowledged: [String] = []
        for index in 0..<5 { #expect(try await register("before_\(index)", into: &acknowledged) == "201") }

        try await begin(server)
        // Writes until the first refusal (bounded); nothing but 201 or 503 may come back.
        var refused = 0
        for index in 0..<400 where refused == 0 {
            let status = try await register("during_\(index)", into: &acknowledged)
            #expect(status == "201" || status == "503", "answered \(status) under the fault")
            refused += status == "503" ? 1 : 0
        }
        #expect(refused == 1, "a write was refused with 503 under the fault")
        #expect(try await readiness() == "503", "/readyz is not ready under the fault")
        #expect(try await register("during_again", into: &acknowledged) == "503")
        #expect(server.isRunning, "the server survives the fault")

        try await end(server)
        var recovered = false
        for _ in 0..<75 where !recovered {  // bounded: 15 s
            recovered = try await readiness() == "200"
            if !recovered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(recovered, "/readyz is ready again once the fault stops, without a restart")
        for index in 0..<5 { #expect(try await register("after_\(index)", into: &acknowledged) == "201") }

        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "a clean exit after SIGTERM")
        try await checkLog(holds: acknowledged)
    }

    private func checkLog(holds acknowledged: [String]) async throws {
        let store = try SQLiteEventStore(path: path)
        for jobID in acknowledged { #expect(try await store.job(jobID) != nil, "acknowledged \(jobID) is stored") }
        let report = try await store.verify()
        #expect(report.isSound, "\(report.findings.prefix(3))")
        let positions = try await store.events(after: 0, limit: 100_000).map(\.position)
        #expect(positions == Array(1...Int64(positions.count)), "positions without a gap")
        #expect(try await store.rebuildCheck().matches)
    }

    /// POSTs a registration; a 201 is recorded as acknowledged.
    private func register(_ jobID: String, into acknowledged: inout [String]) async throws -> String {
        let body = #"{"job_id":"\#(jobID)","account":"a","provider":"replicate","operation":"o","cost":1}"#
        let answer = try await ServeProcessTests.curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
            "-H", "Authorization: Bearer app-key-0123456789abcdef", "-H", "content-type: application/json", "-d", body,
        ])
        if answer.output == "201" { acknowledged.append(jobID) }
        return answer.output
    }

    private func readiness() async throws -> String {
        try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/readyz"]).output
    }
}
