import Foundation
import LedgerTesting
import Testing

/// The README's first run, read from the README itself and run by bash in an
/// empty folder against the `ledger serve` command of its set-up section, so
/// the tour cannot rot. Two substitutions only: `swift run ledger` is the
/// built binary (a nested `swift run` would wait for this build's lock), and
/// the server listens on a free port instead of 8080.
@Suite struct ReadmeTourTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    @Test func theFirstRunCompletesAJobByCopyAndPaste() async throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let tour = try #require(Self.block(after: "<!-- tour", in: text), "the README has no tour block")
        let serve = try #require(text.split(separator: "\n").first { $0.hasPrefix("swift run ledger serve") }, "no serve command")
            .split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let port = ServeProcessTests.freePort()
        let folder = URL(fileURLWithPath: Fixtures.temporaryDatabasePath()).deletingLastPathComponent().path
        let script = """
            set -euo pipefail
            cd '\(folder)'
            export LEDGER_PORT=\(port)
            \(Self.local(serve, port: port)) 2> serve.log &
            trap 'kill $!' EXIT
            for _ in $(seq 300); do curl -sf 127.0.0.1:\(port)/healthz >/dev/null && break; sleep 0.1; done
            \(Self.local(tour, port: port))
            """
        let run = try await offPool { try Self.bash(script) }
        let log = (try? String(contentsOfFile: folder + "/serve.log", encoding: .utf8)) ?? ""
        #expect(run.status == 0, "the tour failed:\n\(run.output)\nserve:\n\(log)")
        #expect(run.output.contains(#""status":"completed""#), "\(run.output)")
        #expect(run.output.contains("job.completed  source=webhook"), "replay shows the completion: \(run.output)")
        #expect(run.output.contains("ok: chain"), "verify passes: \(run.output)")
    }

    /// The fenced block right after the first line starting with `marker`.
    static func block(after marker: String, in text: String) -> String? {
        guard let start = text.range(of: "\n" + marker),
              let open = text.range(of: "```sh\n", range: start.upperBound..<text.endIndex),
              let close = text.range(of: "\n```", range: open.upperBound..<text.endIndex) else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }

    static func local(_ commands: String, port: Int) -> String {
        commands.replacingOccurrences(of: "swift run ledger", with: "'\(LedgerBinary.url.path)'")
            .replacingOccurrences(of: "localhost:8080", with: "127.0.0.1:\(port)")
    }

    /// Runs bash with no `LEDGER_*` settings of the test's own; stopped after 120 s.
    static func bash(_ script: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LEDGER_") }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { kill(pid, SIGTERM) } }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
