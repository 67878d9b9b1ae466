import LedgerCore

/// Why the store refused or could not do something. Messages say what to do;
/// ``isTransient`` says whether trying again later can help.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Optimistic concurrency: the stream moved on.
    case wrongExpectedVersion(stream: String, expected: String, actual: Int64)
    /// The idempotency key was used before for a different append.
    case idempotencyKeyReused(key: String, originalPosition: Int64)
    /// The business rules refused the command.
    case refused(DecisionError)
    /// Another job of the provider already has this external id.
    case externalIDTaken(provider: String, externalID: String, jobID: String)
    /// The request itself is malformed.
    case invalidRequest(String)
    /// The disk is full, an I/O error happened, or another process holds the lock.
    case storageUnavailable(String)
    /// The database file is damaged or is not a ledger.
    case corrupt(String)
    /// An import line does not continue the chain or is not an exported event; nothing was imported.
    case importRejected(line: Int, detail: String)
    /// The configured durability could not be set or read back.
    case durabilityNotApplied(expected: String, actual: String)

    /// True when the same request may succeed later (answer 503, retry).
    public var isTransient: Bool {
        switch self {
        case .storageUnavailable, .wrongExpectedVersion: true
        case .idempotencyKeyReused, .refused, .externalIDTaken, .invalidRequest, .corrupt, .importRejected,
             .durabilityNotApplied: false
        }
    }

    public var description: String {
        switch self {
        case .wrongExpectedVersion(let stream, let expected, let actual):
            "stream \(stream) is at version \(actual), not \(expected): re-read it and decide again"
        case .idempotencyKeyReused(let key, let position):
            "idempotency key \(key) was used for a different append at position \(position); use a new key"
        case .refused(let error): error.description
        case .externalIDTaken(let provider, let externalID, let jobID):
            "external id \(externalID) of \(provider) already belongs to job \(jobID)"
        case .invalidRequest(let detail): detail
        case .storageUnavailable(let detail):
            "the database cannot store right now (\(detail)); free disk space or fix the I/O error, then retry"
        case .corrupt(let detail):
            "the database is damaged (\(detail)); restore it from a backup (docs/runbooks) and run `ledger verify`"
        case .importRejected(let line, let detail):
            "line \(line): \(detail); nothing was imported"
        case .durabilityNotApplied(let expected, let actual):
            "PRAGMA synchronous reads back \(actual), not \(expected): refusing to acknowledge writes"
        }
    }
}
