import Foundation
import LedgerCore
import LedgerStore

extension StoreConformance {
    /// Each of `verify`'s rules (``LedgerInvariants/rules``), broken on its
    /// own in a fresh log through the plain append (which decides nothing),
    /// is named by `verify` at the event that breaks it; a version gap, which
    /// the append cannot make, is refused by `import`, which checks the same rules.
    static let invariantChecks: [Check<any LedgerEngine>] = InvariantCase.all.map { broken in
        Check(name: "verify names a log that breaks: \(LedgerInvariants.rules[broken.rule])", engines: { make in
            let store = try await make()
            let rule = LedgerInvariants.rules[broken.rule]
            if broken.custom != nil {
                // What the append cannot make comes by import, which checks the rules before it commits.
                do {
                    try await broken.write(store, make)
                    throw ConformanceFailure("an import that breaks \(rule) was taken")
                } catch StoreError.importRejected(_, let detail) {
                    try expect(detail.contains(rule), "the import names the rule: \(detail)")
                }
                try expect(try await store.head() == .genesis, "nothing imported")
                return
            }
            try await broken.write(store, make)
            let report = try await store.verify(progress: { _ in })
            let finding = report.findings.first { $0.detail.hasSuffix(rule) }
            try expect(finding?.position == broken.position,
                       "\(rule): expected at position \(broken.position), found \(report.findings.map { "\($0.position ?? 0) \($0.detail)" })")
        })
    }
}

/// One rule broken on its own: the events appended, and the position verify must name.
struct InvariantCase: Sendable {
    let rule: Int
    let position: Int64
    let events: [LedgerEvent]
    /// Writes the log some other way (what the append cannot make).
    var custom: (@Sendable (any LedgerEngine, StoreConformance.Check<any LedgerEngine>.Factory) async throws -> Void)?

    init(rule: Int, position: Int64, _ events: [LedgerEvent]) {
        self.rule = rule
        self.position = position
        self.events = events
        custom = nil
    }

    init(rule: Int, position: Int64, custom: @escaping @Sendable (any LedgerEngine, StoreConformance.Check<any LedgerEngine>.Factory) async throws -> Void) {
        self.rule = rule
        self.position = position
        events = []
        self.custom = custom
    }

    func write(_ store: any LedgerEngine, _ make: StoreConformance.Check<any LedgerEngine>.Factory) async throws {
        if let custom { return try await custom(store, make) }
        for event in events {
            _ = try await store.append(AppendRequest(stream: StreamName.job("j"), events: [NewEvent(event, metadata: Fixtures.app)]))
        }
    }

    static let registered = LedgerEvent.jobRegistered(JobRegistered(jobID: "j", account: "a", provider: "replicate", operation: "o", cost: 10))
    static func completed(_ evidence: Int64) -> LedgerEvent { .jobCompleted(JobCompleted(source: .webhook, outputs: .null, evidencePosition: evidence)) }
    static func failed(_ evidence: Int64) -> LedgerEvent { .jobFailed(JobFailed(source: .webhook, reason: "x", evidencePosition: evidence)) }
    static func refunded(_ evidence: Int64, amount: Int64 = 10, account: String = "a") -> LedgerEvent {
        .creditRefunded(CreditRefunded(account: account, amount: amount, evidencePosition: evidence))
    }
    static func recharged(_ evidence: Int64, amount: Int64 = 10) -> LedgerEvent {
        .creditRecharged(CreditRecharged(account: "a", amount: amount, evidencePosition: evidence))
    }
    static func late(_ evidence: Int64) -> LedgerEvent {
        .jobLateCompletion(JobLateCompletion(source: .webhook, outputs: .null, policy: .recharge, evidencePosition: evidence))
    }
    static let duplicateWebhook = LedgerEvent.webhookReceived(WebhookReceived(
        deliveryID: "d", provider: "replicate", externalID: "x", reportedStatus: .failed, rawStatus: "failed",
        bodySHA256: ChainHasher.digest("{}"), body: "{}", duplicate: true))

    /// Rule `i` at `all[i]`; each breaks its rule first at `position`.
    static let all: [InvariantCase] = [
        // The second terminal outcome is the one named: the first may be the real one.
        InvariantCase(rule: 0, position: 3, [registered, completed(1), failed(1), refunded(3)]),
        InvariantCase(rule: 1, position: 4, [registered, failed(1), refunded(2), refunded(2)]),
        InvariantCase(rule: 2, position: 3, [registered, completed(1), refunded(2)]),
        InvariantCase(rule: 3, position: 2, [registered, failed(1)]),
        InvariantCase(rule: 4, position: 3, [registered, failed(1), refunded(2, amount: 9)]),
        InvariantCase(rule: 5, position: 4, [registered, failed(1), refunded(2), recharged(2)]),
        InvariantCase(rule: 6, position: 2, [registered, refunded(1), failed(1)]),
        InvariantCase(rule: 7, position: 3, [registered, failed(1), refunded(2, account: "b")]),
        InvariantCase(rule: 8, position: 5, [registered, failed(1), refunded(2), late(1), recharged(4, amount: 7)]),
        InvariantCase(rule: 9, position: 3, [registered, duplicateWebhook, failed(2), refunded(3)]),
        InvariantCase(rule: 10, position: 3, custom: { store, make in try await versionGap(store, make) }),
        InvariantCase(rule: 11, position: 1, [failed(1)]),
        InvariantCase(rule: 12, position: 2, [registered, failed(5), refunded(2)]),
        InvariantCase(rule: 13, position: 2, [registered, registered]),
    ]

    /// A stream whose versions go 1, 2, 4: written elsewhere, edited as an
    /// export with every hash recomputed, and imported (which refuses it).
    static func versionGap(_ store: any LedgerEngine, _ make: StoreConformance.Check<any LedgerEngine>.Factory) async throws {
        let scratch = try await make()
        for event in [registered, failed(1), refunded(2)] {
            _ = try await scratch.append(AppendRequest(stream: StreamName.job("j"), events: [NewEvent(event, metadata: Fixtures.app)]))
        }
        var events = try await scratch.events(after: 0, limit: 10)
        await scratch.close()
        events[2].version = 4
        for index in events.indices {
            events[index].prevHash = index == 0 ? ChainHead.genesis.hash : events[index - 1].hash
            events[index].hash = ChainHasher.hash(of: events[index])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        _ = try await store.importEvents(lines: try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) })
    }
}
