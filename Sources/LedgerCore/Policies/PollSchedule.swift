import Foundation

/// When a job without a terminal status is polled, by its age since
/// submission (`LEDGER_POLL_SCHEDULE`):
/// `first:5m,2m@15m,5m@60m,15m` polls first at 5 min (the webhook is expected
/// before), then every 2 min until 15 min, every 5 min until 60 min, then
/// every 15 min for as long as the job is open.
public struct PollSchedule: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        /// Milliseconds between polls while this step applies.
        public var interval: Int64
        /// The age (ms) until which it applies; nil for the last step.
        public var until: Int64?
    }

    public var first: Int64
    public var steps: [Step]

    /// The shortest interval accepted, so a schedule cannot spin.
    public static let intervalMin: Int64 = 100

    public static let standard = PollSchedule(parsing: "first:5m,2m@15m,5m@60m,15m")!

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
            guard let interval = DurationText.milliseconds(parts[0]), interval >= Self.intervalMin else { return nil }
            if isLast {
                guard parts.count == 1 else { return nil }
                steps.append(Step(interval: interval, until: nil))
            } else {
                guard parts.count == 2, let until = DurationText.milliseconds(parts[1]),
                      until > (steps.last?.until ?? 0) else { return nil }
                steps.append(Step(interval: interval, until: until))
            }
        }
        self.first = first
        self.steps = steps
    }

    /// The age (ms since submission) at which poll number `index` (0-based) is due.
    public func offset(ofPoll index: Int) -> Int64 {
        var offset = first
        for _ in 0..<max(0, index) { offset += interval(at: offset) }
        return offset
    }

    /// The interval that applies at `age`.
    public func interval(at age: Int64) -> Int64 {
        (steps.first { step in step.until.map { age < $0 } ?? true } ?? steps[steps.count - 1]).interval
    }

    /// `offset(ofPoll:)` plus a jitter of up to a tenth of the interval (at most
    /// 30 s), the same for the same job and poll: jobs submitted together do
    /// not poll the provider in one burst, and a rerun agrees with the first.
    public func jitteredOffset(ofPoll index: Int, jobID: String) -> Int64 {
        let offset = offset(ofPoll: index)
        let spread = min(interval(at: offset) / 10, 30_000)
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
