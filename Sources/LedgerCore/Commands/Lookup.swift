/// One read the ``CommandHandler`` makes of the ledger (a ``LedgerReader``
/// call), as a value: what an engine loads before it decides.
public enum Lookup: Hashable, Sendable {
    case jobState(jobID: String)
    case jobID(provider: String, externalID: String)
    case waitingOrphans(provider: String, externalID: String)
    case orphanRecorded(provider: String, externalID: String, deliveryID: String, bodySHA256: String)
    case streamVersion(String)
}

/// What an engine already holds before it reads anything: the answers to the
/// two reads that decide where a request goes next (`nil`: not known yet).
public protocol KnownLedger {
    /// The job's state when it is known (an unregistered state when the job has no stream).
    func knownJobState(_ jobID: String) -> JobState?
    /// `.some(owner)` when known (`.some(nil)`: no job owns it), `nil` when not known.
    func knownJobID(provider: String, externalID: String) -> String??
}
