import Foundation

/// When a job without a terminal status is polled, by its age since
/// submission (`LEDGER_POLL_SCHEDULE`):
/// `first:5m,2m@15m,5m@60m,15m` polls first at 5 min (the webhook is expected
/// before), then every 2 min until 15 min, every 5 min until 60 min, then
/// every 15 min for as long as the job is open.
public struct PollSchedule: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        /// Between polls while this step applies.
        public var intervalMilliseconds: Int64
        /// The age until which it applies; nil for the last step.
        public var untilAgeMilliseconds: Int64?
    }

    /// The age at which the first poll is due.
    public var firstMilliseconds: Int64
    public var steps: [Step]

    /// The shortest interval accepted, so a schedule cannot spin.
    public static let shortestIntervalMilliseconds: Int64 = 100

    /// The default, as the configuration writes it.
    public static let standardText = "first:5m,2m@15m,5m@60m,15m"
    public static let standard = PollSchedule(parsing: standardText)!

    /// Nil when `text` is not a schedule: `first:<duration>` then intervals,
    /// each but the last with `@<age>` (strictly increasing ages).
    public init?(parsing text: String) {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard items.count >= 2, items[0].hasPrefix("first:"),
              let first = DurationText.milliseconds(String(items[0].dropFirst(6))) else { return nil }
        var steps: [Step] = []
        for (offset, item) in items.dropFirst().enumerated() {
            let isLast = offset == items.count - 2
            let parts = item.split(separator: "@", omittingEmptySubsequences: false).map(String.init)
            guard let interval = DurationText.milliseconds(parts[0]), interval >= Self.shortestIntervalMilliseconds else { return nil }
            if isLast {
                guard parts.count == 1 else { return nil }
                steps.append(Step(intervalMilliseconds: interval, untilAgeMilliseconds: nil))
            } else {
                guard parts.count == 2, let until = DurationText.milliseconds(parts[1]),
                      until > (steps.last?.untilAgeMilliseconds ?? 0) else { return nil }
                steps.append(Step(intervalMilliseconds: interval, untilAgeMilliseconds: until))
            }
        }
        firstMilliseconds = first
        self.steps = steps
    }

    /// The age (ms since submission) at which poll number `index` (0-based) is due.
    public func offset(ofPoll index: Int) -> Int64 {
        var offset = firstMilliseconds
        for _ in 0..<max(0, index) { offset += intervalMilliseconds(atAge: offset) }
        return offset
    }

    /// The interval that applies at `ageMilliseconds`.
    public func intervalMilliseconds(atAge ageMilliseconds: Int64) -> Int64 {
        (steps.first { step in step.untilAgeMilliseconds.map { ageMilliseconds < $0 } ?? true } ?? steps[steps.count - 1]).intervalMilliseconds
    }

    /// `offset(ofPoll:)` plus a jitter of up to a tenth of the interval (at most
    /// 30 s), the same for the same job and poll: jobs submitted together do
    /// not poll the provider in one burst, and a rerun agrees with the first.
    public func jitteredOffset(ofPoll index: Int, jobID: String) -> Int64 {
        let offset = offset(ofPoll: index)
        let spread = min(intervalMilliseconds(atAge: offset) / 10, 30_000)
        guard spread > 0 else { return offset }
        return offset + Int64(StableHash.of(jobID, index) % UInt64(spread))
    }
}

/// FNV-1a: a hash that is the same in every process (Swift's `Hasher` is
/// seeded per process), for jitter that reruns reproduce.
enum StableHash {
    static func of(_ text: String, _ number: Int) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 + Array(String(number).utf8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
