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
    /// A TCP connection to loopback that sends nothing (a held-open client).
    static func idleConnection(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        precondition(connected, "connect to 127.0.0.1:\(port) failed")
        return fd
    }

    /// A connection the server has admitted: one request answered, then held
    /// open and silent. Waiting for the answer makes the count exact: a fixed
    /// sleep let a loaded server admit the probe before a held connection
    /// (each connection joins the count on its own event loop).
    static func admittedConnection(_ port: Int) -> (fd: Int32, answer: String) {
        let fd = idleConnection(port)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return (fd, String(decoding: buffer.prefix(max(0, count)), as: UTF8.self))
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
