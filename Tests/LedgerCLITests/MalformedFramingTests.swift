import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerTesting
import Testing

/// Hostile input at the HTTP framing, on a real `serve`: a chunk size that is
/// not a number or does not fit, a body that ends before its Content-Length.
/// Each is the client's fault: answered 400 (or the connection closed), never
/// the 500 kept for a ledger that needs its operator, and the server goes on.
@Suite struct MalformedFramingTests {
    @Test func aBadlyFramedRequestIsNotAnInternalError() async throws {
        let (server, port) = try await ResourceLimitTests.startServer([:])
        defer { kill(server.processIdentifier, SIGKILL) }
        let chunked = "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer app-key-0123456789abcdef\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n"
        let requests = [
            (chunked + "zz\r\n", false),
            (chunked + "ffffffffffffffffff\r\nabc\r\n0\r\n\r\n", false),
            ("POST /v1/webhooks/nca?token=nca-token-abcdefghijklmnop HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{}", true),
        ]
        let answers = try await offPool { () throws -> [String] in
            try requests.map { text, stopSending in
                let socket = try ResourceLimitTests.connect(port)
                defer { close(socket) }
                LoopbackClient.send(socket, text)
                if stopSending { shutdown(socket, Int32(SHUT_WR)) }
                return LoopbackClient.statusLine(socket)
            }
        }
        for (answer, request) in zip(answers, requests) {
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "\(request.0.prefix(60)): \(answer)")
        }
        #expect(answers.contains { $0.hasPrefix("HTTP/1.1 400") }, "answered, not only dropped: \(answers)")
        let health = try await ServeProcessTests.curl(["http://127.0.0.1:\(port)/healthz"]).output
        #expect(health.contains("ok"), "still serving")
    }
}
