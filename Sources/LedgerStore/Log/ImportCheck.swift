import LedgerCore

/// An exported file, checked line by line before any of it is appended (both
/// engines' `import`). A forged file can chain perfectly (its hashes
/// recomputed) and still hold what the ledger never records, so each event
/// must also be one the ledger would have recorded:
/// - it continues the chain (``ChainCheck``);
/// - its data decodes as its type says (an unknown type or a cost of 1.5 is
///   a bad line, not a damaged database), naming no key twice (which of two
///   costs was charged would depend on the reader);
/// - its ids and values pass the rules every append passes
///   (``LedgerCore/LedgerEvent/validateForStorage()``: printable ASCII ids, a
///   cost of zero or more, JSON the log reads back), a job stream's own id
///   and its registration's job id included;
/// - its `recorded_at` is no earlier than the event's before it (times never
///   decrease along the log: `as_of`, deadlines and retention rely on it) and
///   not later than ``futureToleranceMilliseconds`` past now (one event dated
///   9999 would stamp every later event with its time; a day, because a log
///   whose host's clock once ran ahead keeps that time until real time passes it).
///
/// What a whole stream must hold (one registration, one terminal outcome, a
/// refund for a failure) is judged after the append by the invariants.
public enum ImportCheck {
    /// Clocks of two machines differ, and a log keeps a time its host's clock
    /// once ran ahead to; a day past the importing machine's clock is no drift.
    public static let futureToleranceMilliseconds: Int64 = 24 * 3_600_000

    /// The file's events, each checked; `headRecordedAt` is the time of the
    /// log's last event (nil for an empty log).
    public static func events(_ lines: [String], after head: ChainHead, headRecordedAt: String?, now: Timestamp,
                              codec: EventCodec = EventCodec()) throws(StoreError) -> [(index: Int, event: StoredEvent)] {
        let events = try StoredEvent.decodeExported(lines)
        var chain = ChainCheck(runs: ChainCheck.runs(in: events.map(\.event), codec: codec), after: head)
        var previousTime = headRecordedAt
        let latest = now.adding(milliseconds: futureToleranceMilliseconds)
        for (index, event) in events {
            func rejected(_ problem: String) -> StoreError {
                .importRejected(line: index + 1, detail: "position \(event.position): \(problem)")
            }
            if index == 0, event.position <= head.position {
                // The file starts inside this log: an export taken before the log moved on.
                throw rejected("this ledger's log is at position \(head.position) already: the file starts inside it. An export "
                               + "of this log taken before it moved on: export what comes after (ledger export --after \(head.position)). "
                               + "Another log's, or a fork of this one (a backup restored and grown apart): nothing of it can be "
                               + "imported here; its event \(event.position) has hash \(event.hash.prefix(16))…, compare it with "
                               + "this ledger's (ledger export --after \(event.position - 1) | head -1)")
            }
            if let problem = chain.check(event) { throw rejected(problem) }
            guard let at = Timestamp(iso8601: event.recordedAt), at.iso8601 == event.recordedAt else {
                throw rejected("recorded_at \(event.recordedAt.debugDescription) is not a UTC time like 2026-11-23T10:00:00.000Z")
            }
            if let previousTime, event.recordedAt < previousTime {
                throw rejected("recorded_at \(event.recordedAt) is earlier than the event's before it (\(previousTime)): "
                               + "times never decrease along the log")
            }
            if at > latest { throw rejected("recorded_at \(event.recordedAt) is more than a day in the future (now is \(now.iso8601))") }
            previousTime = event.recordedAt
            if let problem = problem(of: event, codec: codec) { throw rejected(problem) }
        }
        return events
    }

    /// Why the ledger would not have recorded `event`, or nil.
    static func problem(of event: StoredEvent, codec: EventCodec) -> String? {
        // A key named twice is read one way here and maybe the other way by an auditor's
        // parser (which cost was charged?): the ledger never writes one.
        for (part, text) in [("data", event.data), ("metadata", event.metadata)] {
            var seen = Set<String>()
            if let twice = JSONParser.topLevelKeys(in: text).first(where: { !seen.insert($0).inserted }) {
                return "\(part) names \(twice.debugDescription) twice"
            }
        }
        let recorded: RecordedEvent
        do { recorded = try event.decoded(with: codec) } catch {
            return "the data is not a \(event.type) event the ledger reads: \(error)"
        }
        let jobID = StreamName.jobID(of: event.stream)
        if let jobID, let problem = Identifier.problem(jobID, field: "the stream's job_id") { return problem }
        if case .jobRegistered(let registered) = recorded.event, registered.jobID != jobID {
            return "a registration of job \(registered.jobID.debugDescription) in stream \(event.stream.debugDescription)"
        }
        do { try recorded.event.validateForStorage() } catch { return "\(error)" }
        return nil
    }
}
