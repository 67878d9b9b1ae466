import Foundation

/// The delays between notification attempts
/// (`LEDGER_NOTIFY_SCHEDULE`, default `5s,5m,30m,2h,5h,10h,10h`): the first
/// attempt is immediate, each failure waits the next delay, and a failure
/// after the last delay dead-letters the notification (8 attempts by default).
public struct RetrySchedule: Sendable, Hashable {
    public var delays: [Int64]

    /// The default, as the configuration writes it.
    public static let standardText = "5s,5m,30m,2h,5h,10h,10h"
    public static let standard = RetrySchedule(parsing: standardText)!

    public init?(parsing text: String) {
        var delays: [Int64] = []
        for item in text.split(separator: ",") {
            guard let delay = DurationText.milliseconds(item.trimmingCharacters(in: .whitespaces)) else { return nil }
            delays.append(delay)
        }
        guard !delays.isEmpty else { return nil }
        self.delays = delays
    }

    /// How many attempts a notification gets before it is dead-lettered.
    public var attemptsMax: Int { delays.count + 1 }

    /// The wait after failed attempt number `attempt` (1-based); nil after the last.
    public func delayMilliseconds(afterAttempt attempt: Int) -> Int64? {
        attempt >= 1 && attempt <= delays.count ? delays[attempt - 1] : nil
    }
}
