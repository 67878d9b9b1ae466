/// What the ``CommandHandler`` reads of the ledger before it decides: the
/// store answers from its tables inside the append's transaction, the property
/// tests from memory. Reads only; the handler never writes.
public protocol LedgerReader {
    /// The job's state folded from its stream (unregistered when it has none).
    func jobState(_ jobID: String) throws -> JobState
    /// The job of `provider` that owns `externalID`, if any.
    func jobID(provider: String, externalID: String) throws -> String?
    /// The orphan webhooks of `provider` for `externalID` not adopted yet, in arrival order.
    func waitingOrphans(provider: String, externalID: String) throws -> [RecordedEvent]
    /// True when an orphan with this delivery id or body was recorded for `externalID`.
    func orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String) throws -> Bool
    /// The stream's last version (0 for none).
    func streamVersion(_ stream: String) throws -> Int64
}
