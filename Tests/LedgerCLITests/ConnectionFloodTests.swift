import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerTesting
import Testing

/// Catalogue entry 32: a flood of connections. Past `LEDGER_MAX_CONNECTIONS`
/// a connection is answered 503 with `Retry-After: 1` and closed at once
/// (counted), instead of waiting unanswered once descriptors run out; the
/// server answers again as soon as connections go.
@Suite struct ConnectionFloodTests {
    /// A connection the server has admitted: one request answered, then held
    /// open and silent. Waiting for the answer makes the count exact: a fixed
    /// sleep let a loaded server admit the probe before a held connection
    /// (each connection joins the count on its own event loop).
    static func admittedConnection(_ port: Int) -> (fd: Int32, answer: String) {
        guard let fd = LoopbackClient.connect(port, receiveTimeoutSeconds: 10) else { return (-1, "") }
        LoopbackClient.send(fd, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        return (fd, LoopbackClient.receive(fd))
    }

    @Test func connectionsPastTheCapAreShedWith503AndTheServerAnswersOnceTheyGo() async throws {
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", Fixtures.temporaryDatabasePath(), "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_MAX_CONNECTIONS": "8"])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        var held: [Int32] = []
        for _ in 0..<8 {
            let (fd, answer) = Self.admittedConnection(port)
            #expect(answer.hasPrefix("HTTP/1.1 200"), "a connection under the cap is served: \(answer.prefix(100))")
            held.append(fd)
        }
        let shed = try await ServeProcessTests.curl(["-i", base + "/healthz"]).output
        #expect(shed.hasPrefix("HTTP/1.1 503") && shed.lowercased().contains("retry-after: 1"), "\(shed.prefix(200))")
        for fd in held { close(fd) }
        var answered = ""
        for _ in 0..<50 {
            answered = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/healthz"]).output
            if answered == "200" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answered == "200", "answers again once the held connections go")
        let metrics = try await ServeProcessTests.curl([base + "/metrics"]).output
        #expect(metrics.contains(#"ledger_requests_shed_total{reason="connections"} "#) && !metrics.contains(#"ledger_requests_shed_total{reason="connections"} 0"#),
                "the shed connection is counted")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }
}
