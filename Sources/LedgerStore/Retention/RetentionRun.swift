import LedgerCore

/// What an engine provides for a retention run (the run's logic is
/// ``RetentionRun``, the same on every engine).
public protocol RetentionStorage: EventStore {
    /// The last position recorded before `cutoff`; 0 when none.
    func lastPosition(recordedBefore cutoff: Timestamp) async throws(StoreError) -> Int64
    /// Up to `limit` `webhook.received` events after `position`, through `through`, in position order.
    func webhookEvents(after position: Int64, through: Int64, limit: Int) async throws(StoreError) -> [StoredEvent]
    /// Replaces each event's data with its redacted text (unless it reads as
    /// redacted already) and records the redacted text's digest by position
    /// (`retention_redactions`), in one transaction: the database refuses any other change.
    func storeRedactions(_ redactions: [Redaction]) async throws(StoreError)
}

extension RetentionStorage {
    /// ``EngineOperations/retainBodies(_:dryRun:)`` for every engine.
    public func retainBodies(_ run: RetentionRun, dryRun: Bool) async throws(StoreError) -> RetentionReport {
        try await run.run(on: self, dryRun: dryRun)
    }
}

public struct Redaction: Sendable, Hashable {
    public var position: Int64
    public var data: String
    /// The hex SHA-256 of `data`, kept in `retention_redactions` so `verify`
    /// names a redacted event changed afterwards at its own position.
    public var dataSHA256: String { ChainHasher.digest(data) }
}

/// What a retention run did (or, dry, would do).
public struct RetentionReport: Sendable, Hashable {
    public var cutoff: Timestamp
    /// Events the new run covers (0: nothing new before the cutoff).
    public var count: Int64 = 0
    /// The new run's `retention.applied` position (nil when dry or nothing new).
    public var runPosition: Int64?
    /// Events an earlier, interrupted run had left and this one redacted
    /// (dry: would redact first).
    public var resumed: Int64 = 0
}

/// `ledger retain --bodies-older-than D`: first finishes the latest run if
/// it was interrupted (only the latest can be: a run starts after the one
/// before has finished), then plans a new run over the bodies recorded
/// before `cutoff` that no run covers yet, appends its `retention.applied`
/// (the digest of what the covered events will hold) and redacts in steps of
/// `stepCount` events, each its own short transaction, so ingest goes on in
/// between. Killed at any point, the log verifies and the next run resumes.
public struct RetentionRun: Sendable {
    public var cutoff: Timestamp
    public var operatorName: String
    public var stepCount = 500

    /// Where the `retention.applied` events are (and only they).
    public static let stream = "retention"

    public init(cutoff: Timestamp, operatorName: String) {
        self.cutoff = cutoff
        self.operatorName = operatorName
    }

    public func run(on storage: some RetentionStorage, dryRun: Bool) async throws(StoreError) -> RetentionReport {
        var report = RetentionReport(cutoff: cutoff)
        // Two runs at once (cron and serve) must not cover overlapping ranges:
        // the run appends only if the stream is still where it was read.
        let runs = try await storage.events(inStream: Self.stream)
        let last = ChainCheck.runs(in: runs).last
        if let last { report.resumed = try await redact(last.applied, on: storage, dryRun: dryRun) }
        let from = (last?.applied.throughPosition ?? 0) + 1
        let through = try await storage.lastPosition(recordedBefore: cutoff)
        guard through >= from else { return report }
        let digest = try await plan(from: from, through: through, on: storage)
        report.count = digest.count
        guard digest.count > 0, !dryRun else { return report }
        let applied = RetentionApplied(cutoff: cutoff.iso8601, fromPosition: from, throughPosition: through,
                                       count: digest.count, redactedSHA256: digest.finalized(), operatorName: operatorName)
        let appended = try await storage.append(AppendRequest(
            stream: Self.stream, expected: runs.last.map { .exactly($0.version) } ?? .noStream, events: [NewEvent(.retentionApplied(applied), metadata: EventMetadata(actor: "operator:\(operatorName)", source: "retain"))],
            idempotencyKey: "retention:\(from):\(through)"))
        report.runPosition = appended.firstPosition
        _ = try await redact(applied, on: storage)
        return report
    }

    /// The digest of the range once redacted; refuses to cover a damaged
    /// event (redacting it would hide the damage).
    private func plan(from: Int64, through: Int64, on storage: some RetentionStorage) async throws(StoreError) -> RetentionDigest {
        var digest = RetentionDigest()
        try await forEachPage(from: from, through: through, on: storage) { event throws(StoreError) in
            guard ChainHasher.digest(event.data) == event.dataSHA256 else {
                throw StoreError.corrupt("position \(event.position): data does not match its recorded digest; run `ledger verify`")
            }
            if let redacted = BodyRedaction.redacted(type: event.type, data: event.data) {
                digest.add(position: event.position, redactedData: redacted)
            }
        }
        return digest
    }

    /// Redacts what `applied` covers and is not redacted yet (dry: only
    /// counts it); the count.
    private func redact(_ applied: RetentionApplied, on storage: some RetentionStorage,
                        dryRun: Bool = false) async throws(StoreError) -> Int64 {
        var pending: [Redaction] = []
        var count: Int64 = 0
        try await forEachPage(from: applied.fromPosition, through: applied.throughPosition, on: storage) { event throws(StoreError) in
            guard ChainHasher.digest(event.data) == event.dataSHA256,
                  let redacted = BodyRedaction.redacted(type: event.type, data: event.data) else { return }
            pending.append(Redaction(position: event.position, data: redacted))
        } afterPage: { () throws(StoreError) in
            guard !pending.isEmpty else { return }
            if !dryRun { try await storage.storeRedactions(pending) }
            count += Int64(pending.count)
            pending.removeAll(keepingCapacity: true)
        }
        return count
    }

    private func forEachPage(from: Int64, through: Int64, on storage: some RetentionStorage,
                             _ each: (StoredEvent) throws(StoreError) -> Void,
                             afterPage: () async throws(StoreError) -> Void = {}) async throws(StoreError) {
        var after = from - 1
        while after < through {
            let page = try await storage.webhookEvents(after: after, through: through, limit: stepCount)
            for event in page { try each(event) }
            try await afterPage()
            guard let last = page.last else { return }
            after = last.position
        }
    }
}
