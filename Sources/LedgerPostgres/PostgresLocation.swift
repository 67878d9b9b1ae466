import Foundation
import LedgerStore
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL ledger lives: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`,
/// or through a unix socket `postgres://USER@/DB?host=/socket/dir[&port=N]`
/// (the socket file is `/socket/dir/.s.PGSQL.N`, N defaulting to 5432).
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum Endpoint: Sendable, Hashable {
        case tcp(host: String, port: Int)
        case socket(path: String)
    }

    /// How the connection is encrypted, as libpq's `sslmode` says it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Never.
        case disable
        /// When the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// Always, without checking the certificate (unless `sslrootcert` is given: then as verify-ca).
        case require
        /// Always, the certificate signed by a trusted authority (`sslrootcert`, else the system's).
        case verifyCA = "verify-ca"
        /// Always, and the certificate names the host too.
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode = .prefer
    /// The authorities to trust for the server's certificate (`sslrootcert`): a PEM file,
    /// or `system` (the machine's, only with `verify-full`, as libpq).
    public var trustedRoots: TrustedRoots?

    public enum TrustedRoots: Sendable, Hashable {
        case file(String)
        case system
    }

    /// True for what `--db` / `LEDGER_DB` should read as PostgreSQL; anything else is a SQLite path.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// `text` fit for a message: the location without its password when it
    /// reads as one; a URL that does not read has everything up to its last
    /// `@` hidden (a `#`, `?` or `/` left unescaped in a password is what
    /// usually stops it reading, and the password must not be shown then either).
    public static func redacted(_ text: String) -> String {
        (try? PostgresLocation(url: text))?.description ?? withoutUserInfo(text)
    }

    /// `text` with everything between the scheme and its last `@` hidden (no parsing).
    private static func withoutUserInfo(_ text: String) -> String {
        guard isPostgresURL(text), let at = text.lastIndex(of: "@") else { return text }
        let scheme = text.hasPrefix("postgresql://") ? "postgresql://" : "postgres://"
        return scheme + "…" + text[at...]
    }

    public init(url text: String) throws(StoreError) {
        guard Self.isPostgresURL(text), let url = URLComponents(string: text), url.fragment == nil else {
            throw .invalidRequest("\(Self.withoutUserInfo(text)) is not a postgres:// URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DB); "
                                  + "percent-encode @ : / ? # % & and spaces in the user and the password (p#ss is p%23ss)")
        }
        // Foundation's `user` and `password` are decoded already: decoding them again would read `%25` as `%` twice.
        guard let user = url.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw .invalidRequest("the PostgreSQL URL names no user (postgres://USER@HOST/DB)")
        }
        let database = String(url.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidRequest("the PostgreSQL URL names no database (postgres://USER@HOST/DB)")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let unknown = Set(query.keys).subtracting(["host", "port", "sslmode", "sslrootcert"])
        guard unknown.isEmpty else {
            throw .invalidRequest("the PostgreSQL URL has parameters the ledger does not read: \(unknown.sorted().joined(separator: ", "))")
        }
        let port = try Self.port(query["port"] ?? url.port.map(String.init) ?? "5432")
        if let socketDirectory = query["host"], socketDirectory.hasPrefix("/") {
            endpoint = .socket(path: "\(socketDirectory)/.s.PGSQL.\(port)")
        } else if let host = url.host, !host.isEmpty {
            endpoint = .tcp(host: host, port: port)
        } else {
            throw .invalidRequest("the PostgreSQL URL names no host (postgres://USER@HOST/DB, or ?host=/socket/dir)")
        }
        self.user = user
        password = url.percentEncodedPassword?.removingPercentEncoding
        self.database = database
        (tlsMode, trustedRoots) = try Self.tls(mode: query["sslmode"], roots: query["sslrootcert"])
    }

    /// `sslmode` and `sslrootcert` as libpq reads them: a verify mode needs
    /// the authorities named (a file, or `system`, which only `verify-full`
    /// may use: the system's authorities sign certificates for anyone's
    /// host, so without the host checked any of them would pass); a file
    /// turns `require` into `verify-ca`.
    private static func tls(mode text: String?, roots: String?) throws(StoreError) -> (TLSMode, TrustedRoots?) {
        var mode = TLSMode.prefer
        if let text {
            guard let known = TLSMode(rawValue: text) else {
                throw .invalidRequest("the PostgreSQL URL's sslmode \(text.debugDescription) is not one of "
                                      + TLSMode.allCases.map(\.rawValue).joined(separator: ", "))
            }
            mode = known
        }
        switch roots {
        case nil:
            guard mode != .verifyCA, mode != .verifyFull else {
                throw .invalidRequest("the PostgreSQL URL's sslmode=\(mode.rawValue) needs the authority that signed the server's "
                                      + "certificate: sslrootcert=/path/ca.pem, or sslrootcert=system (with verify-full) for the machine's")
            }
            return (mode, nil)
        case "system"?:
            guard text == nil || mode == .verifyFull else {
                throw .invalidRequest("the PostgreSQL URL's sslrootcert=system needs sslmode=verify-full: the system's authorities "
                                      + "sign certificates for any host, so the host must be checked too")
            }
            return (.verifyFull, .system)
        case let file?:
            guard (try? NIOSSLCertificate.fromPEMFile(file))?.isEmpty == false else {
                throw .invalidRequest("the PostgreSQL URL's sslrootcert \(file) is not a readable PEM file of certificates")
            }
            return (mode == .require ? .verifyCA : mode, .file(file))
        }
    }

    /// TLS as `tlsMode` and `trustedRoots` say; nil for none.
    var tlsConfiguration: (TLSConfiguration, required: Bool)? {
        let (verification, required): (CertificateVerification, Bool)
        switch tlsMode {
        case .disable: return nil
        case .prefer: (verification, required) = (.none, false)
        case .require: (verification, required) = (.none, true)
        case .verifyCA: (verification, required) = (.noHostnameVerification, true)
        case .verifyFull: (verification, required) = (.fullVerification, true)
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if case .file(let path) = trustedRoots { configuration.trustRoots = .file(path) }
        configuration.certificateVerification = verification
        return (configuration, required)
    }

    private static func port(_ text: String) throws(StoreError) -> Int {
        guard let port = Int(text), (1...65_535).contains(port) else {
            throw .invalidRequest("the PostgreSQL port \(text) is not a number from 1 to 65535")
        }
        return port
    }

    /// The client's configuration (TLS off for a unix socket, preferred over TCP).
    var clientConfiguration: PostgresClient.Configuration {
        switch endpoint {
        case .socket(let path):
            PostgresClient.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database,
                                         tls: tlsConfiguration.map { $0.required ? .require($0.0) : .prefer($0.0) } ?? .disable)
        }
    }

    /// One connection's configuration, the same as the pool's.
    var connectionConfiguration: PostgresConnection.Configuration {
        switch endpoint {
        case .socket(let path):
            PostgresConnection.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                             tls: connectionTLS)
        }
    }

    private var connectionTLS: PostgresConnection.Configuration.TLS {
        guard let (configuration, required) = tlsConfiguration else { return .disable }
        // A context that cannot be made (the CA file gone since start) must not mean "no TLS" when TLS is required.
        guard let context = try? NIOSSLContext(configuration: configuration) else { return required ? .require(Self.failingContext) : .disable }
        return required ? .require(context) : .prefer(context)
    }

    /// A context that trusts nothing: a required TLS whose CA file cannot be
    /// read fails its handshake rather than going on in clear.
    private static var failingContext: NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([])
        return try! NIOSSLContext(configuration: configuration)
    }

    /// The location without its password, for messages and logs.
    public var description: String {
        switch endpoint {
        case .socket(let path): "postgres://\(user)@/\(database) (socket \(path))"
        case .tcp(let host, let port): "postgres://\(user)@\(host):\(port)/\(database)"
        }
    }
}
