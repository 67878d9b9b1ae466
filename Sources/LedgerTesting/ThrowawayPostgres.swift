import Foundation
import Synchronization

/// A PostgreSQL server of the test run's own: never a shared system server,
/// never a TCP port. `.ci/run` starts one and names it in
/// `LEDGER_TEST_POSTGRES` (`SOCKET_DIR:PORT`); otherwise the first test that
/// needs one starts it here (a fresh `initdb` in a temporary folder,
/// listening only on a unix socket there) and it is stopped when the
/// process exits. Each test takes a database of its own.
///
/// ```swift
/// let url = try ThrowawayPostgres.shared().newDatabase()   // postgres://ledger@/t_1a2b?host=/tmp/pg-x&port=54329
/// ```
public final class ThrowawayPostgres: Sendable {
    public let socketDirectory: String
    public let port: Int
    /// The superuser `initdb` created (trust authentication on the socket).
    public let user = "ledger"
    /// Also on 127.0.0.1 over TLS, with a certificate from a private authority (``certificateAuthorityFile``).
    public let servesTLS: Bool

    init(socketDirectory: String, port: Int, servesTLS: Bool = false) {
        self.socketDirectory = socketDirectory
        self.port = port
        self.servesTLS = servesTLS
    }

    /// The private authority's certificate (PEM) that signed a TLS server's certificate.
    public var certificateAuthorityFile: String { "\(socketDirectory)/ca.pem" }

    /// A URL for `database` over TCP to 127.0.0.1 (`host` names it as the certificate does), with `parameters`.
    public func tcpURL(database: String, host: String = "127.0.0.1", parameters: String = "") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (parameters.isEmpty ? "" : "?" + parameters)
    }

    /// The run's server, started on first use.
    public static func shared() throws -> ThrowawayPostgres {
        try started.get()
    }

    private static let started: Result<ThrowawayPostgres, Error> = Result {
        if let named = ProcessInfo.processInfo.environment["LEDGER_TEST_POSTGRES"] {
            let parts = named.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let port = Int(parts[1]) else {
                throw PostgresSetupFailure("LEDGER_TEST_POSTGRES is SOCKET_DIR:PORT, not \(named)")
            }
            return ThrowawayPostgres(socketDirectory: parts[0], port: port)
        }
        return try startOwnServer()
    }

    /// A URL for the database `name` (the ledger's unix-socket form), as
    /// the superuser or as `role` with its password.
    public func url(database name: String, role: String? = nil, password: String? = nil) -> String {
        let login = (role ?? user) + (password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? "")
        return "postgres://\(login)@/\(name)?host=\(socketDirectory)&port=\(port)"
    }

    /// Creates an empty database with a fresh name and returns its URL.
    public func newDatabase() throws -> String {
        url(database: try newDatabaseName())
    }

    /// The URL of `database` for an auditor's login: a member of the reader
    /// role the ledger created (by its first open), nothing more. Roles are
    /// the server's: tests running at once make and grant them together (a
    /// second GRANT at the same instant was seen to fail on the catalog's
    /// unique index), so either statement done already is no failure.
    public func auditorURL(database: String) throws -> String {
        try psql("DO $$ BEGIN CREATE ROLE auditor LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        try psql("DO $$ BEGIN GRANT ledger_reader TO auditor; EXCEPTION WHEN unique_violation THEN NULL; END $$")
        return url(database: database).replacingOccurrences(of: "postgres://\(user)@", with: "postgres://auditor@")
    }

    /// Creates an empty database with a fresh name and returns the name.
    public func newDatabaseName() throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        try psql("CREATE DATABASE \(name)")
        return String(name)
    }

    /// Runs `sql` with `psql` as the superuser; returns what it printed (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres", user: String? = nil) throws -> String {
        let binary = try Self.binary("psql")
        let result = try Self.run(binary, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory,
                                           "-p", String(port), "-U", user ?? self.user, "-d", database, "-c", sql])
        guard result.status == 0 else { throw PostgresSetupFailure("psql \(sql): \(result.output)") }
        return result.output
    }
}

extension ThrowawayPostgres {
    /// Where `initdb` and `pg_ctl` live (Debian keeps them out of PATH).
    static func binary(_ name: String) throws -> String {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let path = "/usr/lib/postgresql/\(version)/bin/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        for folder in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
        throw PostgresSetupFailure("\(name) not found: install PostgreSQL (apt-get install postgresql), or run .ci/run")
    }

    private static func startOwnServer() throws -> ThrowawayPostgres {
        try startPrivate(port: 50_000 + Int(getpid()) % 10_000)
    }

    /// A server of the caller's own (one that a test may stop and start),
    /// stopped and removed when the process exits. `port` only names the
    /// socket file in the server's own folder. With `passwordAuthentication`
    /// every role but the superuser logs in with its password (SCRAM), as on
    /// an operator's server.
    public static func startPrivate(port: Int = 40_000 + Int.random(in: 0..<10_000),
                                    passwordAuthentication: Bool = false, tls: Bool = false) throws -> ThrowawayPostgres {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // initdb and postgres refuse to run as root: as root, they run as the postgres user.
        if geteuid() == 0 { _ = try run("/usr/bin/chown", ["postgres:", folder]) }
        let server = ThrowawayPostgres(socketDirectory: folder, port: port, servesTLS: tls)
        let initdb = try server.asServerUser(try binary("initdb"), ["-D", "\(folder)/data", "-U", "ledger", "--auth=trust",
                                                                    "-E", "UTF8", "--locale=C.UTF-8", "-N"])
        guard initdb.status == 0 else { throw PostgresSetupFailure("initdb: \(initdb.output)") }
        if passwordAuthentication {
            let rules = "local all ledger trust\nlocal all all scram-sha-256\n"
            try rules.write(toFile: "\(folder)/data/pg_hba.conf", atomically: false, encoding: .utf8)
            if geteuid() == 0 { _ = try run("/usr/bin/chown", ["postgres:", "\(folder)/data/pg_hba.conf"]) }
        }
        if tls { try server.makeCertificates() }
        try server.start()
        stopAtExit.withLock { $0.append { try? server.stop(); try? FileManager.default.removeItem(atPath: folder) } }
        _ = registerExitHandler
        return server
    }

    /// Starts the server (again): only for one this process started.
    public func start() throws {
        let listen = servesTLS ? "-c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=\(socketDirectory)/server.pem "
            + "-c ssl_key_file=\(socketDirectory)/server.key " : "-c listen_addresses='' "
        let options = listen + "-c unix_socket_directories=\(socketDirectory) -c port=\(port) -c max_connections=200 "
            + "-c fsync=on -c synchronous_commit=on"
        // Not through a pipe: the server inherits pg_ctl's output and would hold it open forever.
        let started = try asServerUser(try Self.binary("pg_ctl"), ["-D", "\(socketDirectory)/data", "-l", "\(socketDirectory)/log",
                                                                   "-w", "-o", options, "start"], capture: false)
        guard started.status == 0 else { throw PostgresSetupFailure("pg_ctl start failed: see \(socketDirectory)/log") }
    }

    /// A hot standby of `primary` (a private server this process started), made
    /// with `pg_basebackup -R` and streaming from it: in recovery, read-only,
    /// refusing `LISTEN`, as a real replica is.
    public static func startStandby(of primary: ThrowawayPostgres, port: Int = 40_000 + Int.random(in: 0..<10_000)) throws -> ThrowawayPostgres {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if geteuid() == 0 { _ = try run("/usr/bin/chown", ["postgres:", folder]) }
        let standby = ThrowawayPostgres(socketDirectory: folder, port: port)
        let backup = try standby.asServerUser(try binary("pg_basebackup"), ["-D", "\(folder)/data", "-R", "-X", "stream",
                                                                            "-h", primary.socketDirectory, "-p", String(primary.port),
                                                                            "-U", primary.user])
        guard backup.status == 0 else { throw PostgresSetupFailure("pg_basebackup: \(backup.output)") }
        try standby.start()
        stopAtExit.withLock { $0.append { try? standby.stop(); try? FileManager.default.removeItem(atPath: folder) } }
        return standby
    }

    /// A private authority and a server certificate it signed for `localhost` (not for 127.0.0.1).
    private func makeCertificates() throws {
        let openssl = "/usr/bin/openssl", folder = socketDirectory
        let steps: [[String]] = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Ledger Test CA",
             "-keyout", "\(folder)/ca.key", "-out", "\(folder)/ca.pem"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "\(folder)/server.key", "-out", "\(folder)/server.csr"],
            ["x509", "-req", "-in", "\(folder)/server.csr", "-CA", "\(folder)/ca.pem", "-CAkey", "\(folder)/ca.key", "-CAcreateserial",
             "-days", "2", "-out", "\(folder)/server.pem", "-extfile", "\(folder)/san.cnf"],
        ]
        // The name only, not the address: verify-full to 127.0.0.1 must then fail on the host, as
        // a certificate for another host would (verify-ca does not check it).
        try "subjectAltName=DNS:localhost\n".write(toFile: "\(folder)/san.cnf", atomically: false, encoding: .utf8)
        for step in steps {
            let made = try Self.run(openssl, step)
            guard made.status == 0 else { throw PostgresSetupFailure("openssl \(step[0]): \(made.output)") }
        }
        _ = try Self.run("/bin/chmod", ["600", "\(folder)/server.key"])
        if geteuid() == 0 { _ = try Self.run("/usr/bin/chown", ["postgres:", "\(folder)/server.key", "\(folder)/server.pem"]) }
    }

    /// Stops the server at once (`immediate`: as a crash would, for recovery tests).
    public func stop() throws {
        _ = try asServerUser(try Self.binary("pg_ctl"), ["-D", "\(socketDirectory)/data", "-m", "immediate", "-w", "stop"],
                             capture: false)
    }

    private func asServerUser(_ binary: String, _ arguments: [String], capture: Bool = true) throws -> (status: Int32, output: String) {
        geteuid() == 0 ? try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", binary] + arguments, capture: capture)
            : try Self.run(binary, arguments, capture: capture)
    }

    private static let stopAtExit = Mutex<[@Sendable () -> Void]>([])
    private static let registerExitHandler: Void = {
        atexit { ThrowawayPostgres.stopAtExit.withLock { stops in stops.forEach { $0() } } }
    }()

    /// Runs a program to its end with `posix_spawn` and `waitpid` (Foundation's
    /// `Process` was seen waiting forever for a `runuser` that had exited),
    /// its output through a file, never a pipe: `pg_ctl start` leaves a server
    /// that inherits its output and would hold a pipe open.
    public static func run(_ executable: String, _ arguments: [String], capture: Bool = true) throws -> (status: Int32, output: String) {
        let outputPath = capture ? FileManager.default.temporaryDirectory
            .appendingPathComponent("ledger-pg-output-\(UUID().uuidString)").path : "/dev/null"
        defer { if capture { try? FileManager.default.removeItem(atPath: outputPath) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        Self.closeInheritedDescriptors(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw PostgresSetupFailure("cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let output = capture ? (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" : ""
        return (exitStatus, output)
    }
}

extension ThrowawayPostgres {
    /// The spawned program keeps only its standard input, output and error.
    /// A server started through it lives on, and anything else it inherited
    /// stays open with it: a test on another thread that had just made a pipe
    /// for a `curl` waited for that pipe's end for ever (seen in a full run).
    /// glibc 2.34 has the action, but its header does not show it to Swift.
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            preconditionFailure("posix_spawn_file_actions_addclosefrom_np needs glibc 2.34 or later")
        }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
}

public struct PostgresSetupFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
