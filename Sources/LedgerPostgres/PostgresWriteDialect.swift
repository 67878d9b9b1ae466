import Foundation
import LedgerCore
import LedgerStore
import Logging
import PostgresNIO

/// The PostgreSQL dialect of the write path (``GroupCommit``): one
/// autocommit call of `ledger_append_batch` per group commit, with the batch
/// as arrays, so the chain lock is held for the server's work and the commit
/// only, never across a client round trip. After conflicts, the writer
/// decides inside `ledger_lock_head`'s transaction instead (locked mode).
final class PostgresWriteDialect: WriteDialect, Sendable {
    let connections: BoundedConnections
    /// This node's name in change notifications (its listener skips its own).
    let node: String
    let logger: Logger

    init(connections: BoundedConnections, node: String, logger: Logger) {
        self.connections = connections
        self.node = node
        self.logger = logger
    }

    var holdsLockWhileDeciding: Bool { true }

    func head(queuedSince: ContinuousClock.Instant) async throws -> HeadState {
        try await using(Self.deadlines(queuedSince)) { [logger] connection in
            let row = try await rows("SELECT position, hash, recorded_at FROM ledger_head WHERE id = 0", on: connection, logger: logger)
            guard let row = row.first, let state = Self.headState(row) else {
                throw StoreError.corrupt("ledger_head has no row: the schema was changed outside the ledger")
            }
            return state
        }
    }

    func moved(since known: ChainHead, queuedSince: ContinuousClock.Instant) async throws -> HeadMove? {
        try await using(Self.deadlines(queuedSince)) { [logger] connection in
            let answer = try await rows("""
                SELECT m.* FROM ledger_head h CROSS JOIN LATERAL ledger_moved_since($1, h) m
                WHERE h.id = 0 AND (h.position <> $1 OR h.hash <> $2)
                """, [.integer(known.position), .text(known.hash)], on: connection, logger: logger)
            guard let head = answer.first(where: { $0.text("outcome") == "moved" }) else { return nil }
            return try Self.move(from: head, events: answer, known: known)
        }
    }

    func loader(queuedSince: ContinuousClock.Instant) -> any ReadLoader {
        Loader(dialect: self, queuedSince: queuedSince)
    }

    /// Reads outside any lock, each on a pooled connection within what is left of the batch's deadline.
    private struct Loader: ReadLoader {
        let dialect: PostgresWriteDialect
        let queuedSince: ContinuousClock.Instant

        func load(_ reads: ReadSet) async throws -> ReadAnswers {
            try await dialect.using(PostgresWriteDialect.deadlines(queuedSince)) { [logger = dialect.logger] connection in
                try await PostgresBatchReads(connection: connection, logger: logger).answer(reads)
            }
        }
    }

    /// A request's deadlines, less what the batch's oldest request waited in the queue.
    static func deadlines(_ queuedSince: ContinuousClock.Instant) -> ConnectionDeadlines {
        ConnectionDeadlines.request.remaining(after: ContinuousClock.now - queuedSince)
    }

    func commit(_ batch: PreparedBatch) async throws -> CommitAnswer {
        let statement = DurableAppendStatement(arguments: arguments(batch))
        return try await using(Self.deadlines(batch.queuedSince)) { [self] connection in
            var found: [PostgresRandomAccessRow] = []
            for try await row in try await connection.execute(statement, logger: logger) { found.append(row) }
            return try self.answer(to: BatchAnswerRow.rows(of: found.first?.text("answer")), known: batch.expected)
        }
    }

    func commitHoldingLock(known: ChainHead, fence: Lease?, queuedSince: ContinuousClock.Instant,
                           decide: @escaping @Sendable (HeadMove?, any ReadLoader) async throws -> PreparedBatch?) async throws -> CommitAnswer {
        try await using(Self.deadlines(queuedSince)) { [self] connection in
            do {
                try await run("BEGIN ISOLATION LEVEL READ COMMITTED", on: connection, logger: logger)
                try await run(TransactionLimits.sql(), on: connection, logger: logger)
                let started = ContinuousClock.now
                let locked = try await rows("SELECT * FROM ledger_lock_head($1, $2)",
                                            [.integer(known.position), .text(known.hash)], on: connection, logger: logger)
                let move = try Self.move(in: locked, knowing: known)
                guard let batch = try await decide(move, PostgresBatchReads(connection: connection, logger: logger)) else {
                    try await run("COMMIT", on: connection, logger: logger)
                    return .committed(CommitCost(roundTrips: 3, lockHeldNanoseconds: (ContinuousClock.now - started).nanoseconds))
                }
                let answer = try answer(to: await rows(Self.appendBatch, arguments(batch), on: connection, logger: logger),
                                    known: batch.expected)
                guard case .committed = answer else {
                    await rollBack(on: connection, logger: logger)
                    return answer
                }
                try await run("COMMIT", on: connection, logger: logger)
                return .committed(CommitCost(roundTrips: 4, lockHeldNanoseconds: (ContinuousClock.now - started).nanoseconds))
            } catch {
                await rollBack(on: connection, logger: logger)
                throw error
            }
        }
    }

    /// A pooled connection within `deadlines`, errors mapped to ``StoreError``.
    fileprivate func using<T: Sendable>(_ deadlines: ConnectionDeadlines,
                                    _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await connections.withConnection(within: deadlines, body)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "22003" {
            // On the write path, the one bigint sum a request moves is an account's charged credits.
            throw StoreError.totalOutOfRange
        } catch {
            throw StoreError.fromPostgres(error)
        }
    }
}

// MARK: - The batch call

extension PostgresWriteDialect {
    static let appendBatch = "SELECT * FROM ledger_append_batch(\(batchParameters))"
    /// The same batch, committed before it is answered (migration v12).
    static let appendBatchDurably = "CALL ledger_append_batch_durably(\(batchParameters), NULL)"
    private static let batchParameters = (1...25).map { "$\($0)" }.joined(separator: ", ")

    /// Inserts rows that extend `head` (an import, inside the transaction
    /// that holds the chain lock) through the same call as a group commit.
    static func insert(_ events: [StoredEvent], after head: ChainHead, _ connection: PostgresConnection,
                       logger: Logger) async throws {
        var batch = PreparedBatch(expected: head)
        batch.events = events
        let answer = try await rows(appendBatch, arguments(batch, node: ""), on: connection, logger: logger)
        guard answer.contains(where: { $0.text("outcome") == "committed" }) else {
            throw StoreError.importRejected(line: 0, detail: "the log moved while it was imported; nothing was imported")
        }
    }

    /// The batch as `ledger_append_batch` takes it: the events as one array per
    /// column, job rows and projection changes as JSON arrays of rows.
    private func arguments(_ batch: PreparedBatch) -> [PostgresArgument] { Self.arguments(batch, node: node) }

    private static func arguments(_ batch: PreparedBatch, node: String) -> [PostgresArgument] {
        let events = batch.events
        return [
            .integer(batch.expected.position), .text(batch.expected.hash),
            .text(batch.fence?.name ?? ""), .text(batch.fence?.holder ?? ""), .integer(batch.fence?.epoch ?? 0),
            .bool(batch.rebase != nil), .texts(batch.rebase?.readStreams ?? []), .bool(batch.rebase?.readsAbsentFacts ?? true),
            .bool(batch.rebase?.timeFlexible ?? false),
            .integers(events.map(\.position)), .texts(events.map(\.stream)), .integers(events.map(\.version)),
            .texts(events.map(\.type)), .integers(events.map { Int64($0.schemaVersion) }), .texts(events.map(\.recordedAt)),
            .texts(events.map(\.data)), .texts(events.map(\.dataSHA256)), .texts(events.map(\.metadata)),
            // Only a moved batch's hashes are recomputed by the database, which needs these.
            .texts(batch.rebase == nil ? events.map { _ in "" } : events.map { ChainHasher.digest($0.metadata) }),
            .texts(events.map { $0.idempotencyKey ?? "" }), .texts(events.map(\.prevHash)), .texts(events.map(\.hash)),
            .text(PostgresProjectionRows.jobs(batch.jobs)), .text(PostgresProjectionRows.changes(batch.projections)),
            .text(ChangeChannel.payload(batch.changedJobs, from: node) ?? ""),
        ]
    }

    /// `ledger_append_batch`'s answer: committed, the head moved (with what moved it), or the fence lost.
    private func answer<Row: ColumnReader>(to rows: [Row], known: ChainHead) throws -> CommitAnswer {
        guard let first = rows.first(where: { $0.text("outcome") != "event" }) else {
            throw StoreError.unexpected("ledger_append_batch answered nothing")
        }
        let cost = CommitCost(roundTrips: 1, lockHeldNanoseconds: (first.integer("lock_held_us") ?? 0) * 1000)
        switch first.text("outcome") {
        case "committed":
            return .committed(cost)
        case "rebased":
            guard let position = first.integer("position"), let hash = first.text("hash"),
                  let before = rows.first(where: { $0.text("outcome") == "moved" }) else {
                throw StoreError.unexpected("ledger_append_batch answered a move without its head")
            }
            let move = try Self.move(from: before, events: rows, known: known)
            return .rebased(Rebased(shift: move.head.head.position - known.position, head: ChainHead(position: position, hash: hash),
                                    move: move, raisedTo: first.text("recorded_at").flatMap(Timestamp.init(iso8601:))), cost)
        case "fence_lost":
            return .fenceLost
        default:
            return .headMoved(try Self.move(from: first, events: rows, known: known))
        }
    }

    /// What `ledger_lock_head` answered: nil when the head is the known one.
    private static func move<Row: ColumnReader>(in rows: [Row], knowing known: ChainHead) throws -> HeadMove? {
        guard let first = rows.first(where: { $0.text("outcome") != "event" }) else {
            throw StoreError.unexpected("ledger_lock_head answered nothing")
        }
        if first.text("outcome") == "head" { return nil }
        return try Self.move(from: first, events: rows, known: known)
    }

    /// The head and the events after `known`, when the log still extends it and they are few enough.
    private static func move<Row: ColumnReader>(from head: Row, events rows: [Row], known: ChainHead) throws -> HeadMove {
        guard let state = headState(head) else { throw StoreError.corrupt("ledger_head has no row") }
        let events = rows.filter { $0.text("outcome") == "event" }.map(StoredEvent.init(postgres:))
        let extends = events.first?.prevHash == known.hash && events.count <= HeadMove.foreignCountMax
        return HeadMove(head: state, foreign: extends ? events : nil)
    }

    private static func headState(_ row: some ColumnReader) -> HeadState? {
        guard let position = row.integer("position"), let hash = row.text("hash") else { return nil }
        let at = row.text("recorded_at").flatMap(Timestamp.init(iso8601:)) ?? Timestamp(millisecondsSinceEpoch: 0)
        return HeadState(head: ChainHead(position: position, hash: hash), recordedAt: at)
    }
}

/// A group commit's one statement, prepared once per connection: it is not
/// parsed and planned again each time.
struct DurableAppendStatement: PostgresPreparedStatement {
    static let sql = PostgresWriteDialect.appendBatchDurably
    typealias Row = PostgresRandomAccessRow
    let arguments: [PostgresArgument]

    func makeBindings() throws -> PostgresBindings { bindings(arguments) }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRandomAccessRow { row.makeRandomAccess() }
}

/// One row of `ledger_append_batch`'s answer as `ledger_append_batch_durably`
/// passes it on: an object of the JSON array it answers.
struct BatchAnswerRow: ColumnReader {
    let members: JSONValue

    static func rows(of answer: String?) throws -> [BatchAnswerRow] {
        guard let answer, case .array(let rows) = try? JSONParser.parse(answer) else {
            throw StoreError.unexpected("ledger_append_batch_durably answered \(answer.map { "\($0.prefix(200))" } ?? "nothing")")
        }
        return rows.map(BatchAnswerRow.init(members:))
    }

    func text(_ column: String) -> String? { members[column]?.stringValue }

    func integer(_ column: String) -> Int64? {
        if case .int(let value) = members[column] { return value }
        return nil
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
