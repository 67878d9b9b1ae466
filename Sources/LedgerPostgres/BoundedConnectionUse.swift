import LedgerStore
import PostgresNIO
import Synchronization

/// How long a use of a pooled connection may take.
struct ConnectionDeadlines: Sendable {
    /// Waiting for a connection: while the database is down the pool would
    /// keep a request waiting until it returns.
    var acquiring: Duration
    /// The whole use, waiting included; nil for operations that read or
    /// fold the whole log and take as long as it is large.
    var finishing: Duration?

    /// A request's read or group commit: "retry later" after 5 s without a
    /// connection, and after 30 s in all (a load balancer's usual timeout):
    /// the bound is there so a hung connection cannot hold a request forever,
    /// not to shed load (a full test suite on two shared cores once took
    /// 10 s for a burst of 100 appends).
    static let request = ConnectionDeadlines(acquiring: .seconds(5), finishing: .seconds(30))
    /// The readiness probe: its wait, and the look for why when none came
    /// (``PostgresEventStore/probeWritable()``), fit in `/readyz`'s 4 s (with
    /// a request's 5 s wait the probe was cut before it could say why).
    static let probe = ConnectionDeadlines(acquiring: .seconds(2), finishing: .milliseconds(3_500))
    /// Whole-log operations (verify, rebuild, import): only the wait is bounded.
    static let operation = ConnectionDeadlines(acquiring: .seconds(5), finishing: nil)

    /// What is left after `waited` in a queue (a group commit's requests
    /// wait for the batch before them), never less than a short try.
    func remaining(after waited: Duration) -> ConnectionDeadlines {
        let acquiringLeft = max(acquiring - waited, .milliseconds(200))
        return ConnectionDeadlines(acquiring: acquiringLeft,
                                   finishing: finishing.map { max($0 - waited, acquiringLeft + .seconds(1)) })
    }
}

/// A store's uses of its pooled connections, each bounded: past its
/// deadlines, or when the server closes its connection, the caller gets
/// "retry later" at once and the work's task is cancelled (its connection
/// closed, after a deadline). A connection the database or the network left
/// hanging (a statement sent on a connection the server had just closed was
/// seen never to be answered, postgres-nio 1.33) then costs one request's
/// deadline at most instead of wedging every caller queued behind it.
///
/// `body` never starts after the deadline passed; a `body` cut off
/// mid-transaction is rolled back by the database when its connection
/// closes, unless its COMMIT had already been sent: then the caller cannot
/// know, as with any timeout, and retries (appends are idempotent).
final class BoundedConnections: Sendable {
    let client: PostgresClient
    private struct Watch {
        /// Connections whose closing is watched (one callback each, for its lifetime).
        var watched: Set<PostgresConnection.ID> = []
        /// The use holding each connection now, told when it closes.
        var holders: [PostgresConnection.ID: @Sendable () -> Void] = [:]
    }
    private let watch = Mutex(Watch())

    /// How the answer to a use that got no connection in time begins.
    static let noConnectionWords = "no PostgreSQL connection within"

    init(client: PostgresClient) {
        self.client = client
    }

    func withConnection<T: Sendable>(within deadlines: ConnectionDeadlines,
                                     _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let use = BoundedUse<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                use.start(continuation)
                let work = Task {
                    do {
                        let value = try await client.withConnection { connection in
                            guard use.acquired(connection) else { throw CancellationError() }
                            hold(connection) { use.expire(StoreError.storageUnavailable("PostgreSQL closed the connection")) }
                            defer {
                                release(connection)
                                use.released()
                            }
                            return try await body(connection)
                        }
                        use.finish(.success(value))
                    } catch {
                        use.finish(.failure(error))
                    }
                }
                let timer = Task {
                    try await Task.sleep(for: deadlines.acquiring)
                    use.expireUnlessAcquired(StoreError.storageUnavailable(
                        "\(Self.noConnectionWords) \(deadlines.acquiring): the database is down or saturated"))
                    guard let finishing = deadlines.finishing else { return }
                    try await Task.sleep(for: finishing - deadlines.acquiring)
                    use.expire(StoreError.storageUnavailable("PostgreSQL did not answer within \(finishing)"), closing: true)
                }
                use.onEnd(cancelling: [{ work.cancel() }, { timer.cancel() }])
            }
        } onCancel: {
            use.expire(CancellationError())
        }
    }

    private func hold(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) {
        let id = connection.id
        let first = watch.withLock { watch in
            watch.holders[id] = onClose
            return watch.watched.insert(id).inserted
        }
        guard first else { return }
        connection.closeFuture.whenComplete { [self] _ in
            let holder = watch.withLock { watch in
                watch.watched.remove(id)
                return watch.holders.removeValue(forKey: id)
            }
            holder?()
        }
    }

    private func release(_ connection: PostgresConnection) {
        _ = watch.withLock { $0.holders.removeValue(forKey: connection.id) }
    }
}

/// One bounded use of a connection: whichever ends first, the work or a
/// deadline, resumes the caller; the other finds it already resumed.
private final class BoundedUse<T: Sendable>: Sendable {
    private struct State {
        var caller: CheckedContinuation<T, Error>?
        /// Set while the work holds a connection.
        var connection: PostgresConnection?
        var wasAcquired = false
        var ended = false
        var cancels: [@Sendable () -> Void] = []
    }
    private let state = Mutex(State())

    /// Holds the caller until the use ends; a use already ended (its task
    /// was cancelled before this) answers at once.
    func start(_ caller: CheckedContinuation<T, Error>) {
        let endedAlready = state.withLock { state in
            if !state.ended { state.caller = caller }
            return state.ended
        }
        if endedAlready { caller.resume(throwing: CancellationError()) }
    }

    /// Records the tasks to cancel once the use ended (at once if it already has).
    func onEnd(cancelling cancels: [@Sendable () -> Void]) {
        let endedAlready = state.withLock { state in
            state.cancels = cancels
            return state.ended
        }
        if endedAlready { cancels.forEach { $0() } }
    }

    /// False when the use has ended (a deadline passed): the work must not start.
    func acquired(_ connection: PostgresConnection) -> Bool {
        state.withLock { state in
            guard !state.ended else { return false }
            state.connection = connection
            state.wasAcquired = true
            return true
        }
    }

    /// The work is done with its connection (the pool may lend it again).
    func released() {
        state.withLock { $0.connection = nil }
    }

    /// Ends the use unless a connection was acquired: one step, so a
    /// connection acquired meanwhile keeps the use and its later deadline.
    func expireUnlessAcquired(_ error: Error) {
        end(.failure(error), unlessAcquired: true)
    }

    func finish(_ result: Result<T, Error>) {
        end(result)
    }

    /// Ends the use with `error` unless it already ended; `closing` the
    /// connection the work still holds (a deadline: it may hang forever).
    func expire(_ error: Error, closing: Bool = false) {
        end(.failure(error), closing: closing)
    }

    /// Answers the caller with `result` unless the use ended already. With
    /// `closing`, starts closing the connection the work still holds inside
    /// the same lock as `released()`, so a connection already given back to
    /// the pool (and maybe lent again) is never closed.
    private func end(_ result: Result<T, Error>, closing: Bool = false, unlessAcquired: Bool = false) {
        let ended = state.withLock { state -> (caller: CheckedContinuation<T, Error>, cancels: [@Sendable () -> Void])? in
            if unlessAcquired && state.wasAcquired { return nil }
            state.ended = true
            guard let caller = state.caller else { return nil }
            state.caller = nil
            if closing, let connection = state.connection { connection.close().whenComplete { _ in } }
            return (caller, state.cancels)
        }
        guard let ended else { return }
        ended.caller.resume(with: result)
        ended.cancels.forEach { $0() }
    }
}
