import Foundation
import LedgerStore
import Logging
import NIOCore
import PostgresNIO

/// One connection made before the pool starts, to check and migrate the
/// database and to say why a server cannot be used: the pool itself retries
/// a refused login with back-off for a minute and then reports only that it
/// gave up.
enum PostgresConnectFailure {
    /// Connects and logs in once within `timeout`: the connection, or a
    /// ``StoreError/cannotConnect(location:reason:)`` naming the reason in
    /// words (the server's own, or the network's).
    static func connect(_ location: PostgresLocation, logger: Logger,
                        timeout: Duration = .seconds(10)) async throws(StoreError) -> PostgresConnection {
        var configuration = location.connectionConfiguration
        configuration.options.connectTimeout = .milliseconds(Int64(timeout / .milliseconds(1)))
        let attempt = Task { () -> Result<PostgresConnection, StoreError> in
            do {
                return .success(try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger))
            } catch let error as PSQLError {
                return .failure(.cannotConnect(location: location.description, reason: describe(error)))
            } catch {
                return .failure(.cannotConnect(location: location.description, reason: String(describing: error)))
            }
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            attempt.cancel()
        }
        defer { timer.cancel() }
        return try await attempt.value.get()
    }

    /// A client error in words: the server's message and code, or what the
    /// network or the login exchange said, with what to check.
    static func describe(_ error: PSQLError) -> String {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            return "\(message) (\(state))" + (hints[state].map { "; \($0)" } ?? "")
        }
        switch error.code {
        case .connectionError:
            return networkWords(error.underlying)
        case .authMechanismRequiresPassword:
            return "the server asks for a password and the URL gives none (postgres://USER:PASSWORD@HOST/DB)"
        case .unsupportedAuthMechanism, .saslError:
            return "the server asks for an authentication method the ledger's client cannot do (\(error.code))"
        case .sslUnsupported:
            return "the server does not offer TLS, and the URL's sslmode requires it"
        case .clientClosedConnection:
            return "the server did not answer the login in time; is it PostgreSQL, and does it serve at that host and port?"
        case .serverClosedConnection, .uncleanShutdown:
            return "the server closed the connection"
        default:
            return "\(error.code)"
        }
    }

    /// A network or TLS failure in words, with what to check; never the
    /// library's type names or its source paths.
    static func networkWords(_ underlying: (any Error)?) -> String {
        let text = underlying.map { String(describing: $0) } ?? "connection failed"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's TLS certificate could not be verified: give the authority that signed it "
                + "with ?sslrootcert=/path/ca.pem in the URL (or use ?sslmode=require to encrypt without verifying)"
        }
        if text.contains("ailedToValidateHostname") || text.contains("unableToValidateCertificate") {
            return "the server's TLS certificate does not name the host the URL names (sslmode=verify-full checks it): "
                + "connect by a name the certificate holds, or use sslmode=verify-ca"
        }
        if text.contains("handshakeFailed") || text.contains("BoringSSL") {
            return "the TLS handshake with the server failed (\(cleaned(text))); check the URL's sslmode and sslrootcert"
        }
        let refused = text.contains("errno: 111") || text.contains("Connection refused")
        return "the server is not reachable (\(refused ? "connection refused" : cleaned(text)))"
            + "; is PostgreSQL running and listening at that host and port (or socket)?"
    }

    /// `text` without source paths (`at /build/checkouts/...`) and at most 200 characters.
    private static func cleaned(_ text: String) -> String {
        let withoutPaths = text.replacingOccurrences(of: #"\s+at\s+/[^\s)\]]+"#, with: "", options: .regularExpression)
        return String(withoutPaths.prefix(200))
    }

    /// What to check for the login failures an operator meets first.
    private static let hints: [String: String] = [
        "28P01": "check the password in the URL (it is never printed)",
        "28000": "check the role's name and the server's pg_hba.conf (TLS required? wrong role?)",
        "3D000": "create the database first (docs/postgres.md, \"Setting up\")",
        "42501": "the role lacks a privilege: CONNECT on the database, or USAGE on the schema (docs/postgres.md, \"Setting up\")",
        "53300": "the server has no connection left (max_connections)",
        "57P03": "the server is starting up or shutting down; retry",
    ]
}
