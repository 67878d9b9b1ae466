import Foundation
import LedgerCore

/// The wall clock, for `ledger serve` and the `--once` commands.
public struct SystemClock: LedgerClock {
    public init() {}

    public var now: Timestamp { Timestamp(Date()) }

    public func sleep(until deadline: Timestamp) async throws {
        let wait = deadline.millisecondsSinceEpoch - now.millisecondsSinceEpoch
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
    }
}
