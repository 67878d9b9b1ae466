import Foundation
import LedgerTesting

/// Runs the built `ledger` executable, as a user would.
enum LedgerBinary {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var url: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ledger")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug/ledger")
    }

    /// Runs `ledger` on a Dispatch thread: a test blocked in `waitUntilExit`
    /// on a cooperative thread would starve in-process servers on 2 cores.
    static func run(_ arguments: [String], input: Data? = nil, environment extra: [String: String] = [:]) async throws -> Output {
        try await offPool { try runBlocking(arguments, input: input, environment: extra) }
    }

    static func runBlocking(_ arguments: [String], input: Data?, environment extra: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "LEDGER_DB")
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        // A command that should have exited but serves instead must not hang the suite.
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { kill(pid, SIGKILL) } }
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
