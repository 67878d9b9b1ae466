import Foundation
import LedgerTesting
import Synchronization
import Testing

/// TLS to PostgreSQL as libpq's `sslmode` and `sslrootcert` say, against a
/// real server whose certificate a private authority signed (as in most
/// companies), and a fake server that offers no TLS and asks for the
/// password in clear (an operator's review sent the password to one).
@Suite struct PostgresTLSTests {
    @Test func sslModesOnAServerWithAPrivateAuthority() async throws {
        try await HeavyTests.one {
            let server = try await offPool { try ThrowawayPostgres.startPrivate(tls: true) }
            try server.psql("CREATE DATABASE tls")
            let ca = server.certificateAuthorityFile
            let cases: [(parameters: String, status: Int32, says: String?)] = [
                ("", 0, nil),  // prefer: encrypted when offered, as libpq, the certificate not checked
                ("sslmode=require", 0, nil),
                ("sslmode=verify-full&sslrootcert=\(ca)", 3, "does not name the host the URL names"),
                ("sslmode=verify-ca&sslrootcert=\(ca)", 0, nil),
                ("sslmode=disable", 0, nil),
                ("sslmode=verify-full&sslrootcert=system", 3, "could not be verified: give the authority that signed it with ?sslrootcert="),
                ("sslrootcert=system", 3, "could not be verified"),  // system: verify-full, as libpq
                ("sslmode=verify-full", 2, "sslmode=verify-full needs the authority that signed the server's certificate"),
                ("sslmode=verify-ca", 2, "sslmode=verify-ca needs the authority"),
                ("sslmode=verify-ca&sslrootcert=system", 2, "sslrootcert=system needs sslmode=verify-full"),
                ("sslmode=require&sslrootcert=system", 2, "sslrootcert=system needs sslmode=verify-full"),
                ("sslmode=maybe", 2, "sslmode \"maybe\" is not one of disable, prefer, require, verify-ca, verify-full"),
                ("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", 2, "sslrootcert /nonexistent/ca.pem is not a readable PEM file"),
            ]
            // The certificate names localhost, not 127.0.0.1: verify-full checks the host, verify-ca does not.
            let byName = try await LedgerBinary.run(["verify", "--db", server.tcpURL(database: "tls", host: "localhost",
                                                                               parameters: "sslmode=verify-full&sslrootcert=\(ca)")])
            #expect(byName.status == 0, "\(byName.stderr)")
            for (parameters, status, says) in cases {
                let answer = try await LedgerBinary.run(["verify", "--db", server.tcpURL(database: "tls", parameters: parameters)])
                let output = answer.stdout + answer.stderr
                #expect(answer.status == status && says.map(output.contains) != false, "\(parameters): \(output)")
                #expect(!output.contains("/.build/") && !output.contains("BoringSSL") && !output.contains("NIOSSL"), "\(parameters): \(output)")
            }
            try? server.stop()
        }
    }

    /// A password with an unescaped `#`, `?` or `/` stops the URL reading;
    /// the message said so with the whole URL, password included (and, once,
    /// the redaction itself recursed until the stack ran out).
    @Test func aURLThatDoesNotReadNeverShowsItsPassword() async throws {
        for url in ["postgres://svc:a#top-secret-7@127.0.0.1:1/ledger", "postgres://svc:a/top-secret-7?x@127.0.0.1:1/ledger",
                    "postgresql://svc:top-secret-7#@127.0.0.1:1/ledger"] {
            for command in [["verify"], ["serve", "--port", String(ServeProcessTests.freePort())]] {
                let answer = try await LedgerBinary.run(command + ["--db", url], environment: ["LEDGER_KEYS": ServeProcessTests.keys])
                #expect(answer.status == 2 && answer.stderr.contains("percent-encode"), "\(command) \(url): \(answer.stderr)")
                #expect(!(answer.stdout + answer.stderr).contains("top-secret-7"), "\(command) \(url): \(answer.stderr)")
            }
        }
    }

    /// A password holding `%` is written `%25` once, as libpq reads it (it was decoded twice).
    @Test func aPercentInThePasswordIsDecodedOnce() async throws {
        try await HeavyTests.one {
            let server = try await offPool { try ThrowawayPostgres.startPrivate(passwordAuthentication: true) }
            try server.psql("CREATE DATABASE pct")
            try server.psql("CREATE ROLE \"pct%user\" LOGIN SUPERUSER PASSWORD 'a%41b%:c'")
            let url = "postgres://pct%25user:a%2541b%25%3Ac@/pct?host=\(server.socketDirectory)&port=\(server.port)"
            let answer = try await LedgerBinary.run(["verify", "--db", url])
            #expect(answer.status == 0, "\(answer.stderr)")
            try? server.stop()
        }
    }

    /// `sslmode=require` (or a verify mode) never sends the password to a
    /// server that will not speak TLS; `prefer` would, as libpq's does.
    @Test func requiredTLSNeverSendsThePasswordInClear() async throws {
        let listener = try FakeCleartextServer()
        defer { listener.close() }
        let url = "postgres://ledger_service:clear-secret-42@127.0.0.1:\(listener.port)/ledger?sslmode=require"
        let answer = try await LedgerBinary.run(["verify", "--db", url])
        #expect(answer.status == 3 && answer.stderr.contains("does not offer TLS, and the URL's sslmode requires it"), "\(answer.stderr)")
        #expect(!listener.received.contains("clear-secret-42"), "the password went out in clear")
        #expect(!answer.stderr.contains("clear-secret-42"))
    }
}

/// A TCP listener on 127.0.0.1 that answers PostgreSQL's TLS request with
/// "N" (no TLS), asks for a cleartext password, and keeps whatever the
/// client sends.
final class FakeCleartextServer: Sendable {
    let port: Int
    private let socketFD: Int32
    private let bytes = Mutex<[UInt8]>([])

    var received: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        socketFD = fd
        Thread { [self] in serve() }.start()
    }

    /// Each connection: the 8-byte SSLRequest answered "N", then whatever
    /// follows kept (a client that goes on sends its startup, then its password).
    private func serve() {
        while true {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var timeout = timeval(tv_sec: 3, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if read(client, &buffer, 8) == 8 { _ = write(client, "N", 1) }
            while true {
                let count = read(client, &buffer, buffer.count)
                guard count > 0 else { break }
                bytes.withLock { $0 += buffer.prefix(count) }
                let askForCleartextPassword: [UInt8] = [0x52, 0, 0, 0, 8, 0, 0, 0, 3]
                _ = write(client, askForCleartextPassword, askForCleartextPassword.count)
            }
            Foundation.close(client)
        }
    }

    func close() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        Foundation.close(socketFD)
    }
}
