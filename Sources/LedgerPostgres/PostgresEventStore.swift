import Foundation
import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

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
    private let writer: PostgresWriter
    private let running: Task<Void, Never>
    private let listening: Task<Void, Never>
    /// Wakes long polls when this node commits a change to their job.
    let changes: ChangeSignals

    private init(location: PostgresLocation, options: StoreOptions, logger: Logger) {
        self.location = location
        self.options = options
        self.logger = logger
        var configuration = location.clientConfiguration
        configuration.options.maximumConnections = 16
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let client = client
        let connections = BoundedConnections(client: client)
        self.connections = connections
        running = Task { await client.run() }
        let changes = ChangeSignals()
        self.changes = changes
        // Names this node in its change notifications (its listener skips its own).
        let node = UUID().uuidString
        listening = Task { await ChangeChannel.listen(client, as: node, wake: changes, logger: logger) }
        writer = PostgresWriter(connections: connections, node: node, options: options, logger: logger, onCommit: { [changes] jobs in
            if let jobs { changes.changed(jobs) } else { changes.changedAll() }
        })
    }

    /// Connects, migrates and checks that commits are durable before it
    /// returns: a server with `fsync` or `synchronous_commit` off is refused.
    public static func open(url: String, options: StoreOptions = StoreOptions(),
                            logger: Logger = PostgresEventStore.quietLogger) async throws(StoreError) -> PostgresEventStore {
        let store = PostgresEventStore(location: try PostgresLocation(url: url), options: options, logger: logger)
        do {
            try await store.client.withConnection { connection in
                try await store.checkDurability(connection)
                try await PostgresMigrator(location: store.location, logger: logger).migrate(connection)
            }
        } catch {
            await store.close()
            throw StoreError.fromPostgres(error)
        }
        return store
    }

    /// Warnings and errors only: the client's own reconnection attempts are
    /// noise for a command or a test (`serve` passes its logger).
    public static var quietLogger: Logger {
        var logger = Logger(label: "ledger.postgres")
        logger.logLevel = .warning
        return logger
    }

    /// Closes the connections (in-flight requests fail).
    public func close() async {
        listening.cancel()
        _ = await listening.value
        running.cancel()
        _ = await running.value
    }

    /// `fsync` and `synchronous_commit` read back: anything less than on
    /// could lose acknowledged commits on a crash or power loss.
    private func checkDurability(_ connection: PostgresConnection) async throws {
        for setting in ["fsync", "synchronous_commit"] {
            let value = try await rows("SELECT current_setting($1) AS value", [.text(setting)], on: connection, logger: logger)
                .first?.text("value") ?? "unknown"
            guard ["on", "remote_write", "remote_apply"].contains(value) else {
                throw StoreError.durabilityNotApplied(expected: "\(setting) = on", actual: "\(setting) = \(value)")
            }
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

    /// Runs `body` in this node's next group commit (under the chain lock);
    /// a batch holding an `.operation` is bounded only in its wait.
    func writing<T: Sendable>(within deadlines: ConnectionDeadlines = .request,
                              _ body: @escaping @Sendable (PostgresWriteSession, PostgresConnection) async throws -> T)
        async throws(StoreError) -> T {
        try await writer.submit(within: deadlines, body)
    }

    public func append(_ request: AppendRequest) async throws(StoreError) -> AppendResult {
        try await writer.submit(within: .request) { session, connection in try await session.append(request, connection) }
    }

    public func execute(_ request: LedgerRequest) async throws(StoreError) -> LedgerOutcome {
        try await writer.submit(within: .request) { session, connection in try await session.execute(request, connection) }
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
