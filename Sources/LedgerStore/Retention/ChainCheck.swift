import LedgerCore

/// The chain checked event by event in position order (`verify`, `import`),
/// knowing the retention runs: an event whose data no longer matches its
/// recorded digest passes only when it is a `webhook.received` inside a
/// run's range whose body reads as redacted, and each run's digest must
/// equal what its covered events hold (checked at the run's own event, which
/// comes after its range). A body changed in any other way is caught at its
/// position. A redacted event changed afterwards is caught at its own
/// position when the run recorded what it redacted it to (``recordedRedaction``,
/// the `retention_redactions` rows), else at its run's (an imported log).
public struct ChainCheck {
    /// A `retention.applied` event: where it is and what it covers.
    public struct Run: Sendable, Equatable {
        public var position: Int64
        public var applied: RetentionApplied
    }

    public private(set) var head: ChainHead
    /// Events passed as redacted by a retention run (their bodies read `"[redacted]"`).
    public private(set) var redactedEvents: Int64 = 0
    private let runs: [Run]
    private var digests: [Int64: RetentionDigest] = [:]
    /// Runs whose range starts at or before this were partly checked before.
    private let firstChecked: Int64
    /// The digest a retention run recorded for the event it redacted at a position, if any.
    public var recordedRedaction: (Int64) -> String? = { _ in nil }

    /// How many retention runs the log holds.
    public var runCount: Int { runs.count }

    /// Checks the events after `head`. A run whose range starts at or before
    /// `head` (an import of the log's later part) still covers its events,
    /// but its digest is not compared here: the whole log's `verify` does.
    public init(runs: [Run], after head: ChainHead = .genesis) {
        self.runs = runs.sorted { $0.position < $1.position }
        self.head = head
        firstChecked = head.position + 1
    }

    /// The runs among `events`: the `retention.applied` events of the
    /// retention stream that decode.
    public static func runs(in events: [StoredEvent], codec: EventCodec = EventCodec()) -> [Run] {
        events.compactMap { event in
            guard event.stream == RetentionRun.stream, event.type == EventType.retentionApplied.rawValue,
                  case .retentionApplied(let applied)? = try? event.decoded(with: codec).event,
                  // A run covers a range before itself; anything else covers nothing.
                  applied.fromPosition >= 1, applied.fromPosition <= applied.throughPosition,
                  applied.throughPosition < event.position else { return nil }
            return Run(position: event.position, applied: applied)
        }
    }

    /// Why `event` does not continue the chain, or nil (and it becomes the head).
    public mutating func check(_ event: StoredEvent) -> String? {
        if event.position != head.position + 1 {
            return "expected position \(head.position + 1), found \(event.position) (a gap or a deleted row)"
        }
        if event.prevHash != head.hash { return "prev_hash does not match the hash of position \(head.position)" }
        if ChainHasher.hash(of: event) != event.hash { return "hash does not match the row's content (the row was modified)" }
        let covering = runs.first { ($0.applied.fromPosition...$0.applied.throughPosition).contains(event.position) }
        let dataDigest = ChainHasher.digest(event.data)
        if dataDigest != event.dataSHA256 {
            let redactedWebhook = BodyRedaction.isRedacted(type: event.type, data: event.data)
            guard let covering, redactedWebhook else {
                // A body redacted by a retention run whose event is not among those read (an
                // export's prefix, cut before the run) looks the same as a modified one.
                return redactedWebhook
                    ? "data does not match its recorded data_sha256: the body was redacted by a retention run whose "
                        + "retention.applied event is not among the events read (an export cut before it: import the whole export), "
                        + "or it was modified"
                    : "data does not match its recorded data_sha256 (the body was modified)"
            }
            if let recorded = recordedRedaction(event.position), recorded != dataDigest {
                return "data is not what retention redacted it to (the redacted event was modified)"
            }
            digests[covering.position, default: RetentionDigest()].add(position: event.position, redactedData: event.data)
            redactedEvents += 1
        } else if let covering, let redacted = BodyRedaction.redacted(type: event.type, data: event.data) {
            digests[covering.position, default: RetentionDigest()].add(position: event.position, redactedData: redacted)
        }
        if let run = runs.first(where: { $0.position == event.position }), run.applied.fromPosition >= firstChecked {
            let found = digests[run.position] ?? RetentionDigest()
            if found.count != run.applied.count || found.finalized() != run.applied.redactedSHA256 {
                return "the \(found.count) events at positions \(run.applied.fromPosition)...\(run.applied.throughPosition) "
                    + "do not hold what this retention run redacted (\(run.applied.count) events): a redacted event was changed"
            }
            digests[run.position] = nil
        }
        head = ChainHead(position: event.position, hash: event.hash)
        return nil
    }
}
