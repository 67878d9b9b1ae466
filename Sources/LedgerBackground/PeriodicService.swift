import LedgerCore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one background round every `intervalMilliseconds` (by the given clock) inside
/// `ledger serve`'s service group. On graceful shutdown the round under way
/// finishes (cancelling it would record cut-off polls and deliveries as
/// failures) and no new one starts; only the sleep between rounds is cut
/// short. A round that fails is logged and tried again next time:
/// background work must not take the server down with it.
public struct PeriodicService: Service {
    let name: String
    let intervalMilliseconds: Int64
    let clock: any LedgerClock
    let logger: Logger
    let round: @Sendable () async throws -> Void
    /// Awaited before the first round (`serve`: until its socket is bound, so a
    /// process that cannot listen never writes a background decision).
    let startWhen: @Sendable () async -> Void
    /// Told when this service is asked to stop, for the rounds of its composition to read.
    let shutdown: ShutdownSignal?

    public init(name: String, intervalMilliseconds: Int64, clock: any LedgerClock, logger: Logger,
                startWhen: @escaping @Sendable () async -> Void = {}, shutdown: ShutdownSignal? = nil,
                round: @escaping @Sendable () async throws -> Void) {
        self.shutdown = shutdown
        precondition(intervalMilliseconds > 0, "a periodic service needs a positive interval")
        self.startWhen = startWhen
        self.name = name
        self.intervalMilliseconds = intervalMilliseconds
        self.clock = clock
        self.logger = logger
        self.round = round
    }

    public func run() async throws {
        let stop = StopSignal()
        await withGracefulShutdownHandler {
            await startWhen()
            while !stop.isStopping, !Task.isCancelled {
                let started = clock.now
                do {
                    try await round()
                } catch {
                    logger.error("background round failed", metadata: ["service": .string(name), "error": .string("\(error)")])
                }
                let deadline = started.adding(milliseconds: intervalMilliseconds)
                let sleeper = Task { [clock] in try await clock.sleep(until: deadline) }
                stop.wait(on: sleeper)
                // The sleeper is a task of its own: cancelling this one (the group
                // ends because another service failed) must cut its sleep too, or
                // `serve` waits out a whole interval before it can exit.
                _ = await withTaskCancellationHandler {
                    try? await sleeper.value
                } onCancel: {
                    sleeper.cancel()
                }
            }
        } onGracefulShutdown: { [shutdown] in
            shutdown?.request()
            stop.stop()
        }
    }
}

/// Graceful shutdown's signal to a periodic service: stop after this round,
/// and cut the sleep before the next one short.
private final class StopSignal: Sendable {
    private let state = Mutex<(stopping: Bool, sleeper: Task<Void, any Error>?)>((false, nil))

    var isStopping: Bool { state.withLock { $0.stopping } }

    func stop() {
        state.withLock { state in
            state.stopping = true
            return state.sleeper
        }?.cancel()
    }

    func wait(on sleeper: Task<Void, any Error>) {
        let stopping = state.withLock { state in
            state.sleeper = sleeper
            return state.stopping
        }
        if stopping { sleeper.cancel() }
    }
}
