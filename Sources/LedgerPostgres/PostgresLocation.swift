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

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String

    /// True for what `--db` / `LEDGER_DB` should read as PostgreSQL; anything else is a SQLite path.
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws(StoreError) {
        guard Self.isPostgresURL(text), let url = URLComponents(string: text) else {
            throw .invalidRequest("\(text) is not a postgres:// URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DB)")
        }
        guard let user = url.user?.removingPercentEncoding, !user.isEmpty else {
            throw .invalidRequest("the PostgreSQL URL names no user (postgres://USER@HOST/DB)")
        }
        let database = String(url.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidRequest("the PostgreSQL URL names no database (postgres://USER@HOST/DB)")
        }
        let query = Dictionary((url.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let unknown = Set(query.keys).subtracting(["host", "port"])
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
        password = url.password?.removingPercentEncoding
        self.database = database
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
                                         tls: .prefer(.makeClientConfiguration()))
        }
    }

    /// One connection's configuration, the same as the pool's.
    var connectionConfiguration: PostgresConnection.Configuration {
        switch endpoint {
        case .socket(let path):
            PostgresConnection.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database,
                                             tls: (try? NIOSSLContext(configuration: .makeClientConfiguration())).map { .prefer($0) } ?? .disable)
        }
    }

    /// The location without its password, for messages and logs.
    public var description: String {
        switch endpoint {
        case .socket(let path): "postgres://\(user)@/\(database) (socket \(path))"
        case .tcp(let host, let port): "postgres://\(user)@\(host):\(port)/\(database)"
        }
    }
}
