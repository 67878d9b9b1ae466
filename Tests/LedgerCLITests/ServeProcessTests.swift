import Foundation
import LedgerCore
import LedgerStore
import LedgerTesting
import Testing

/// `ledger serve` as a real process on loopback, stopped with SIGTERM.
@Suite(.serialized) struct ServeProcessTests {
    static let keys = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"

    static func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "5"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func sigtermAfterAcknowledgedWritesExitsCleanlyAndLosesNothing() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = LedgerBinary.url
        server.arguments = ["serve", "--db", path, "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["LEDGER_KEYS"] = Self.keys
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<100 where !ready {
            ready = (try? Self.curl([base + "/healthz"]).output.contains("ok")) ?? false
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready, "the server did not answer /healthz")
        var acknowledged: [String] = []
        for index in 0..<20 {
            let body = #"{"job_id":"job_\#(index)","account":"a","provider":"replicate","operation":"o","cost":1}"#
            let answer = try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
                                        "-H", "Authorization: Bearer app-key-0123456789abcdef",
                                        "-H", "content-type: application/json", "-d", body])
            if answer.output == "201" { acknowledged.append("job_\(index)") }
        }
        #expect(acknowledged.count == 20)
        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "a clean exit on SIGTERM")
        let store = try SQLiteEventStore(path: path)
        for jobID in acknowledged { #expect(try await store.job(jobID) != nil, "\(jobID) was acknowledged") }
        #expect(try await store.verify().isSound)
    }
}
