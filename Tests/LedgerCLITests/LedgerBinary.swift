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
        // Only what a test names reaches the command: a LEDGER_ setting in the shell that
        // runs the suite (LEDGER_KEYS, LEDGER_DB, ...) would make a test pass or fail by accident.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LEDGER_") }
        environment.merge(extra) { _, new in new }
        // A command that should have exited but serves instead must not hang the suite (killed after 120 s).
        let result = try Spawn.run(url.path, arguments, environment: environment, input: input ?? Data(), timeoutSeconds: 120)
        return Output(status: result.status, stdout: result.output, stderr: result.errorOutput)
    }
}
