import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerHTTP
import LedgerStore
import LedgerTesting
import Testing
#if canImport(Glibc)
import Glibc
import LedgerSQLite
#endif

/// A client that trickles its body is answered 408 at the read timeout, on a
/// real server over loopback, and nothing is stored.
@Suite(.serialized) struct SlowClientTests {
    static let jobHead = """
        POST /v1/jobs HTTP/1.1\r
        Host: 127.0.0.1\r
        Authorization: Bearer app-key-0123456789abcdef\r
        Content-Type: application/json\r

        """

    /// Answered 408 at the read timeout with nothing stored; then the server
    /// stops reading and closes the connection, even while the client keeps
    /// trickling (Hummingbird would otherwise drain the declared body for as
    /// long as bytes come: measured with slowloris.py).
    @Test func aTricklingBodyIsCutOffAtTheReadTimeoutAndDisconnected() async throws {
        let store = try await Self.live { port in
            let started = ContinuousClock.now
            let (answer, closed) = try await offPool {
                try Self.trickle(port: port, head: Self.jobHead + "Content-Length: 1000\r\n\r\n{\"job_id\":")
            }
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(answer.lowercased().contains("connection: close"))
            #expect(Self.statusLines(answer) == 1, "one answer, nothing after it: \(answer)")
            #expect(closed, "the server closed the connection while the client still trickled")
        }
        #expect(try await store.head() == .genesis)
    }

    /// A refusal that comes before a route would read the body (no such
    /// route: 404) must not leave the body to be drained for ever either:
    /// every body is read, within the read timeout, before routing. An app's
    /// request with no key this node knows is refused before a byte of its
    /// body is read (401, the connection closed): it takes nothing from the
    /// bodies' shared budget.
    @Test(arguments: [("POST /v1/jobs/j1/actions HTTP/1.1\r\nHost: 127.0.0.1\r\n", "401"),
                      ("POST /v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n", "401"),
                      ("POST /v1/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer app-key-0123456789abcdef\r\n", "408"),
                      ("POST /nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n", "401"),
                      ("POST /admin/nowhere HTTP/1.1\r\nHost: 127.0.0.1\r\n", "408")])
    func aTricklerRefusedBeforeItsBodyIsReadIsDisconnected(_ head: String, _ status: String) async throws {
        _ = try await Self.live { port in
            let (answer, closed) = try await offPool {
                try Self.trickle(port: port, head: head + "Content-Length: 1000\r\n\r\n{")
            }
            #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(answer)")
            #expect(closed, "the server closed the connection while the client still trickled")
        }
    }

    /// An honest client over the limit (the whole body sent at once) gets one
    /// clean 413 and may go on using the connection: the rest of its body is
    /// read and discarded rather than cut.
    @Test func aBodyOverTheLimitSentAtOnceIsAnsweredAndTheConnectionKept() async throws {
        let store = try await Self.live { port in
            let oversized = String(repeating: " ", count: Self.bodyLimit + 100)
            let answers = try await offPool {
                try Self.keepAlive(port: port, requests: [
                    Self.jobHead + "Content-Length: \(oversized.utf8.count)\r\n\r\n" + oversized,
                    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                ])
            }
            #expect(answers[0].hasPrefix("HTTP/1.1 413") && Self.statusLines(answers[0]) == 1, "\(answers[0])")
            #expect(!answers[0].lowercased().contains("connection: close"))
            #expect(answers[1].hasPrefix("HTTP/1.1 200"), "the same connection answers again: \(answers[1])")
        }
        #expect(try await store.head() == .genesis)
    }

    /// The same after a 413: a body past the limit, then a trickle of the rest
    /// (a stray 400 after the 413 is tolerated here: the client never finished).
    @Test func anOversizedBodyIsDisconnectedAfterItsAnswer() async throws {
        let store = try await Self.live { port in
            let (answer, closed) = try await offPool {
                let past = "{" + String(repeating: " ", count: Self.bodyLimit + 10)
                return try Self.trickle(port: port, head: Self.jobHead + "Content-Length: 10000000\r\n\r\n" + past)
            }
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.lowercased().contains("connection: close"))
            #expect(closed, "the server closed the connection while the client still trickled")
        }
        #expect(try await store.head() == .genesis)
    }

    static let bodyLimit = 4096

    /// A live server on loopback (read timeout 300 ms, body limit 4 KiB) for `body`, given its port; returns its store.
    static func live(_ body: @escaping @Sendable (Int) async throws -> Void) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys),
                                      requestBodyBytesMax: bodyLimit, bodyReadTimeout: .milliseconds(300))
        try await Application(router: buildRouter(services)).test(.live) { client in
            try await body(try #require(client.port))
        }
        return store
    }

    /// Sends `head`, reads the answer, then goes on sending a byte every 100 ms
    /// for up to 5 s, keeping whatever else arrives; `closed` when a send failed
    /// because the server closed the connection. An end-of-file on reading does
    /// not count: a server may half-close after its answer and still read.
    static func trickle(port: Int, head: String) throws -> (answer: String, closed: Bool) {
        let socket = try connected(port: port)
        defer { close(socket) }
        _ = head.withCString { send(socket, $0, strlen($0), 0) }
        var reply = answer(socket)
        // Up to 10 s of trickling (a loaded machine answers late); closed is
        // either the server's end of stream or a send refused after it.
        for _ in 0..<100 {
            if send(socket, "x", 1, Int32(MSG_NOSIGNAL)) < 0 { return (reply, true) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return (reply, true) }
            if count > 0 { reply += String(decoding: buffer.prefix(count), as: UTF8.self) }
            usleep(100_000)
        }
        return (reply, false)
    }

    /// Sends each request in turn on one connection, reading an answer after each.
    static func keepAlive(port: Int, requests: [String]) throws -> [String] {
        let socket = try connected(port: port)
        defer { close(socket) }
        return requests.map { request in
            _ = request.withCString { send(socket, $0, strlen($0), 0) }
            return answer(socket)
        }
    }

    static func statusLines(_ text: String) -> Int { text.components(separatedBy: "HTTP/1.1 ").count - 1 }

    private static func answer(_ socket: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(socket, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }

    private static func connected(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
        return socket
    }
}
