import Foundation
import LedgerCore
import LedgerStore

/// Builders for the facts tests need, with sensible defaults.
public enum Fixtures {
    public static let app = EventMetadata(actor: "app", source: "test")

    public static func registration(_ jobID: String, account: String = "acct_1", provider: String = "replicate",
                                    cost: Int64 = 10, externalID: String? = nil, operation: String = "video.generate") -> JobRegistered {
        JobRegistered(jobID: jobID, account: account, provider: provider, operation: operation,
                      cost: cost, externalID: externalID, metadata: .object(["prompt": .string("a cat")]))
    }

    /// A webhook whose body (and so its hash) is determined by its fields.
    public static func webhook(_ externalID: String, _ status: ReportedStatus, delivery: String,
                               provider: String = "replicate", outputs: JSONValue = .null) -> WebhookReceived {
        let body = #"{"id":"\#(externalID)","status":"\#(status.rawValue)","delivery":"\#(delivery)"}"#
        return WebhookReceived(deliveryID: delivery, provider: provider, externalID: externalID,
                               reportedStatus: status, rawStatus: status.rawValue, outputs: outputs,
                               error: status == .failed ? "provider error" : nil,
                               bodySHA256: ChainHasher.digest(body), body: body)
    }

    public static func poll(_ status: ReportedStatus, attempt: Int = 1, outputs: JSONValue = .null) -> PollResult {
        PollResult(attempt: attempt, reportedStatus: status, rawStatus: status.rawValue, outputs: outputs,
                   httpStatus: 200, latencyMilliseconds: 12)
    }

    public static func register(_ jobID: String, cost: Int64 = 10, externalID: String? = nil,
                                provider: String = "replicate", account: String = "acct_1") -> LedgerRequest {
        .job(jobID: jobID, command: .register(registration(jobID, account: account, provider: provider, cost: cost, externalID: externalID)),
             metadata: app)
    }

    public static func submit(_ jobID: String, _ externalID: String) -> LedgerRequest {
        .job(jobID: jobID, command: .submit(externalID: externalID), metadata: app)
    }

    public static func deliver(_ webhook: WebhookReceived) -> LedgerRequest {
        .webhook(webhook, metadata: EventMetadata(actor: "provider:\(webhook.provider)", source: "test"))
    }

    /// A path for a new database in a fresh temporary folder.
    public static func temporaryDatabasePath(_ name: String = "ledger.sqlite") -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }
}

/// A clock tests move by hand.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Timestamp

    public init(_ start: Timestamp = Timestamp(iso8601: "2026-11-23T10:00:00.000Z")!) {
        current = start
    }

    public var now: Timestamp { lock.withLock { current } }

    public func advance(milliseconds: Int64) {
        lock.withLock { current = current.adding(milliseconds: milliseconds) }
    }
}

extension ManualClock: LedgerClock {
    /// Waits (in real time, a millisecond at a time) until a test advances the clock past `deadline`.
    public func sleep(until deadline: Timestamp) async throws {
        while now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    }
}

/// SplitMix64: a small seeded generator, so a failing property names its seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
