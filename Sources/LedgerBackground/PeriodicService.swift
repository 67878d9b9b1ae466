import LedgerCore
import Logging
import ServiceLifecycle

/// Runs one background round every `interval` (by the given clock) inside
/// `ledger serve`'s service group, until graceful shutdown. A round that
/// fails is logged and tried again next time: background work must not take
/// the server down with it.
public struct PeriodicService: Service {
    let name: String
    let interval: Int64
    let clock: any LedgerClock
    let logger: Logger
    let round: @Sendable () async throws -> Void

    public init(name: String, interval: Int64, clock: any LedgerClock, logger: Logger,
                round: @escaping @Sendable () async throws -> Void) {
        precondition(interval > 0, "a periodic service needs a positive interval")
        self.name = name
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.round = round
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let started = clock.now
                do {
                    try await round()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("background round failed", metadata: ["service": .string(name), "error": .string("\(error)")])
                }
                try await clock.sleep(until: started.adding(milliseconds: interval))
            }
        }
    }
}
