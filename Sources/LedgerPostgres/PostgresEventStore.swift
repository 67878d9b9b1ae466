import Foundation
import LedgerCore
import LedgerStore
import Logging
import PostgresNIO
import Synchronization

/// The ledger's log on PostgreSQL, for several `ledger serve` nodes sharing
/// one database: the same guarantees as the SQLite engine (one gap-free
/// position order and one hash chain whichever node appended, immutability
/// enforced by the database, projections in the append's transaction,
/// durability read back before anything is acknowledged).
///
/// ```swift
/// let store = try await PostgresEventStore.open(url: "postgres://ledger@/ledger?host=/run/postgresql")
/// defer { Task { await store.close() } }
/// ```
public final class PostgresEventStore: EventStore, @unchecked Sendable {
    public let location: PostgresLocation
    let options: StoreOptions
    let client: PostgresClient
    /// The client's connections, each use bounded in time.
    let connections: BoundedConnections
    let logger: Logger
    /// The write path (written once, over the PostgreSQL dialect).
    let writer: GroupCommit<PostgresWriteDialect>
    /// The client's `run()` and the change listener: started by ``open(url:options:logger:)``,
    /// ended by ``close()``.
    private let background = Mutex<[Task<Void, Never>]>([])
    /// Names this node in its change notifications (its listener skips its own).
    private let node = UUID().uuidString
    /// Wakes long polls when this node commits a change to their job.
    let changes: ChangeSignals
    /// Keeps the Merkle tree up with the log, after each of this node's commits.
    let treeFollower: TreeFollower
    private let treeStorage = WeakTreeStorage()

    /// The connections this node pools: a group commit, the listener's, reads and background work.
    static let connectionCountMax = 16

    private init(location: PostgresLocation, options: StoreOptions, logger: Logger) {
        self.location = location
        self.options = options
        self.logger = logger
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = Self.connectionCountMax
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let client = client
        let connections = BoundedConnections(client: client)
        self.connections = connections
        let changes = ChangeSignals()
        self.changes = changes
        writer = GroupCommit(dialect: PostgresWriteDialect(connections: connections, node: node, logger: logger),
                             options: options, changes: changes)
        treeFollower = TreeFollower(tree: LogTree(storage: treeStorage))
    }

    /// Starts the client's connections and the change listener, owned by the
    /// store until ``close()``; returns once the client runs (a lease before
    /// that makes the client log a warning on every command's first query).
    /// A standby refuses `LISTEN` (and nothing is committed there to hear):
    /// without `listening`, long polls wake at their timeout.
    private func start(listening: Bool) async {
        let client = client, node = node, changes = changes, logger = logger, treeFollower = treeFollower
        treeStorage.attach(self)
        if options.followsTree { writer.onHeadMoved { treeFollower.headMoved(to: $0) } }
        // run() sets the client's running flag before it first suspends: the
        // stream ends just before it is called, and nothing leases until then.
        let (started, starting) = AsyncStream<Void>.makeStream()
        let run = Task {
            starting.finish()
            await client.run()
        }
        for await _ in started {}
        background.withLock { tasks in
            tasks = [run] + (listening ? [Task { await ChangeChannel.listen(client, as: node, wake: changes, logger: logger) }] : [])
        }
    }

    /// Connects, migrates and checks that commits are durable before it
    /// returns: a server with `fsync` or `synchronous_commit` off is refused.
    public static func open(url: String, options: StoreOptions = StoreOptions(),
                            logger: Logger = PostgresEventStore.quietLogger) async throws(StoreError) -> PostgresEventStore {
        let location = try PostgresLocation(url: url)
        // One connection first, said within seconds in the server's words when it
        // fails: the pool would retry a refused login for a minute, then only say it
        // gave up. It checks durability and migrates before the pool exists.
        let connection = try await PostgresConnectFailure.connect(location, logger: logger)
        let recovering: Bool
        do {
            try await checkServerSettings(connection, logger: logger)
            try await PostgresMigrator(location: location, logger: logger).migrate(connection)
            recovering = try await rows("SELECT pg_is_in_recovery()::text AS value", on: connection, logger: logger)
                .first?.text("value") == "true"
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw StoreError.fromPostgres(error)
        }
        let store = PostgresEventStore(location: location, options: options, logger: logger)
        await store.start(listening: !recovering)
        return store
    }

    /// Warnings and errors only: the client's own reconnection attempts are
    /// noise for a command or a test (`serve` passes its logger).
    public static var quietLogger: Logger {
        var logger = Logger(label: "ledger.postgres")
        logger.logLevel = .warning
        return logger
    }

    /// Commits what is queued, then closes the change listener and the connections.
    public func close() async {
        await treeFollower.close()
        await writer.close()
        // The listener before the client it listens through.
        for task in background.withLock({ tasks in defer { tasks = [] }; return tasks }).reversed() {
            task.cancel()
            _ = await task.value
        }
    }

    /// `fsync` and `synchronous_commit` read back: anything less than on
    /// could lose acknowledged commits on a crash or power loss. Read in the
    /// session's first statement, with `statement_timeout`: a role's or a
    /// database's tiny timeout fails every statement, and after the first
    /// PostgreSQL may name the next one's timeout "user request" (the
    /// timeout's flag cleared by the statement's end, its cancel left pending),
    /// so it is judged here, before anything else is sent.
    private static func checkServerSettings(_ connection: PostgresConnection, logger: Logger) async throws {
        let settings: [PostgresRandomAccessRow]
        do {
            settings = try await rows("SELECT name, setting AS value, source FROM pg_settings "
                                      + "WHERE name IN ('fsync', 'synchronous_commit', 'statement_timeout')",
                                      on: connection, logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "57014" {
            // A timeout of a millisecond or so can stop this first statement itself, and PostgreSQL
            // may name it "user request" (seen in CI under load): retry later, but say where to look.
            throw StoreError.storageUnavailable("PostgreSQL: \(error.serverInfo?[.message] ?? "canceled"), on the session's first "
                                                + "statement; if every session fails so, statement_timeout is too low for the ledger "
                                                + "(SHOW statement_timeout; ALTER ROLE <role> RESET statement_timeout, or ALTER "
                                                + "DATABASE <db> RESET statement_timeout)")
        }
        func found(_ name: String) -> (value: String, source: String) {
            let row = settings.first { $0.text("name") == name }
            return (row?.text("value") ?? "unknown", row?.text("source") ?? "unknown")
        }
        let timeout = found("statement_timeout")
        if let milliseconds = Int(timeout.value), milliseconds > 0, milliseconds < statementTimeoutFloorMilliseconds {
            throw StoreError.storageRefused("PostgreSQL's statement_timeout is \(milliseconds) ms, set by the \(timeout.source) "
                                            + "setting: statement_timeout is too low for the ledger, which needs at least "
                                            + "\(statementTimeoutFloorMilliseconds) ms or none (0, the default; its reports set "
                                            + "their own): \(remedy("statement_timeout", source: timeout.source, serverValue: "0")); "
                                            + "or keep it for others and give the ledger's role its own: ALTER ROLE <role> SET "
                                            + "statement_timeout = 0")
        }
        for setting in ["fsync", "synchronous_commit"] {
            let (value, source) = found(setting)
            guard ["on", "remote_write", "remote_apply"].contains(value) else {
                // Where the value comes from is where it is mended (a role's or a database's
                // setting is as likely as the server's).
                throw StoreError.durabilityNotApplied(expected: "PostgreSQL's \(setting) = on",
                                                      actual: "\(setting) = \(value), set by the \(source) setting; "
                                                          + Self.remedy(setting, source: source, serverValue: "on"))
            }
        }
    }

    /// Below this a role's or a database's `statement_timeout` is refused at
    /// open: a group commit on a busy server takes longer now and then, and a
    /// refused batch is a 503 for every webhook in it.
    static let statementTimeoutFloorMilliseconds = 1_000

    /// The SQL that resets `setting` where `source` (`pg_settings.source`)
    /// says it was set; in the server's own file, to `serverValue`.
    static func remedy(_ setting: String, source: String, serverValue: String) -> String {
        switch source {
        case "database": "run ALTER DATABASE <db> RESET \(setting) as its owner"
        case "user": "run ALTER ROLE <role> RESET \(setting) as a superuser"
        case "database user": "run ALTER ROLE <role> IN DATABASE <db> RESET \(setting)"
        default: "set \(setting) = \(serverValue) in postgresql.conf (or ALTER SYSTEM RESET \(setting)) and reload"
        }
    }

    /// Runs `body` on a pooled connection within `deadlines`, errors mapped to ``StoreError``.
    func reading<T: Sendable>(within deadlines: ConnectionDeadlines = .request,
                              _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await connections.withConnection(within: deadlines, body)
        } catch {
            throw StoreError.fromPostgres(error)
        }
    }

    /// Runs `body` between this node's group commits, in a transaction that
    /// holds the chain lock (no node appends meanwhile), with the head as it
    /// is. Unless `keepsWriterState`, the writer reads what it needs again
    /// afterwards (an import moves the head).
    func lockedTransaction<T: Sendable>(within deadlines: ConnectionDeadlines = .request, keepsWriterState: Bool = false,
                                        _ body: @escaping @Sendable (PostgresConnection, ChainHead) async throws -> T)
        async throws(StoreError) -> T {
        let logger = logger
        return try await writer.exclusive(keepsCache: keepsWriterState) { [self] in
            try await reading(within: deadlines) { connection in
                try await run("BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, logger: logger)
                do {
                    try await run(TransactionLimits.sql(lockTimeoutMilliseconds: Self.lockTimeoutMilliseconds), on: connection, logger: logger)
                    let row = try await rows("SELECT position, hash FROM ledger_head WHERE id = 0 FOR UPDATE", on: connection, logger: logger)
                    guard let row = row.first, let position = row.integer("position"), let hash = row.text("hash") else {
                        throw StoreError.corrupt("ledger_head has no row: the schema was changed outside the ledger")
                    }
                    let value = try await body(connection, ChainHead(position: position, hash: hash))
                    try await run("COMMIT", on: connection, logger: logger)
                    return value
                } catch {
                    await rollBack(on: connection, logger: logger)
                    throw error
                }
            }
        }
    }

    /// How long an operation waits for the chain lock before it fails as "retry later".
    static let lockTimeoutMilliseconds = 5_000

    public func append(_ request: AppendRequest) async throws(StoreError) -> AppendResult {
        try await writer.append(request)
    }

    public func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
        try await writer.execute(request)
    }

    public func events(inStream stream: String) async throws(StoreError) -> [StoredEvent] {
        try await reading { [self] connection in
            try await rows("SELECT \(StoredEvent.postgresSelectList) FROM events WHERE stream = $1 ORDER BY version",
                           [.text(stream)], on: connection, logger: logger).map(StoredEvent.init(postgres:))
        }
    }

    public func events(after position: Int64, limit: Int) async throws(StoreError) -> [StoredEvent] {
        try await reading { [self] connection in
            try await rows("SELECT \(StoredEvent.postgresSelectList) FROM events WHERE position > $1 ORDER BY position LIMIT $2",
                           [.integer(position), .integer(Int64(max(0, limit)))], on: connection, logger: logger)
                .map(StoredEvent.init(postgres:))
        }
    }

    public func head() async throws(StoreError) -> ChainHead {
        try await reading { [self] connection in
            let row = try await rows("SELECT position, hash FROM ledger_head WHERE id = 0", on: connection, logger: logger).first
            guard let row, let position = row.integer("position"), let hash = row.text("hash") else {
                throw StoreError.corrupt("ledger_head has no row")
            }
            return ChainHead(position: position, hash: hash)
        }
    }

    public func job(_ jobID: String) async throws(StoreError) -> JobState? {
        try await reading { [self] connection in
            return try await rows("SELECT \(Self.jobSelectList) FROM projection_jobs WHERE job_id = $1",
                                  [.text(jobID)], on: connection, logger: logger).first.map(JobState.init(reading:))
        }
    }

    /// Group commits so far.
    public var batchStatistics: BatchStatistics { writer.statistics }
}
extension PostgresEventStore: LedgerEngine {}
