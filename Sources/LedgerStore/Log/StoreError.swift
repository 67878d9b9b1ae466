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
    /// The database file is damaged.
    case corrupt(String)
    /// The stored Merkle tree (data derived from the chain, for proofs and
    /// checkpoints) is missing or holds wrong subtrees: rebuilt from the chain,
    /// no backup needed.
    case damagedTree(String)
    /// The file is a SQLite database of another application: the ledger
    /// writes nothing into it.
    case notALedger(path: String, tables: [String])
    /// The PostgreSQL schema holds tables or views of the ledger's own names
    /// that the ledger did not make (another application's): nothing is
    /// written to it. Other tables, other schemas and extensions' objects
    /// are no obstacle.
    case foreignObjects(location: String, names: [String])
    /// The database server could not be reached or refused the connection:
    /// the reason as the server or the network gave it.
    case cannotConnect(location: String, reason: String)
    /// The database refused one of the ledger's own writes (a missing grant,
    /// a read-only transaction, a constraint the ledger should never break):
    /// not the sender's fault, answered "retry later" while an operator acts.
    case storageRefused(String)
    /// The ledger was migrated by a newer version of the ledger (migrations
    /// this build does not know): it is not touched.
    case newerLedger(path: String, migrations: [String])
    /// The path cannot hold a database: a folder, a missing or unwritable
    /// folder, no permission.
    case cannotOpen(path: String, detail: String)
    /// Anything else: a defect to report, not storage trouble to wait out.
    case unexpected(String)
    /// A background round's write after its lease passed to another holder:
    /// not made; the round stops (the new holder does the work).
    case leaseLost(name: String, epoch: Int64)
    /// An import line does not continue the chain or is not an exported event; nothing was imported.
    case importRejected(line: Int, detail: String)
    /// The configured durability could not be set or read back.
    case durabilityNotApplied(expected: String, actual: String)

    /// A sum kept in a projection (an account's charged credits) would pass
    /// what 64 bits hold: the request that would make it so is refused, on
    /// either engine, in these words (never the database's own).
    public static let totalOutOfRange = StoreError.invalidRequest(
        "an account's credit total would pass 2^63-1, the largest whole number the ledger keeps: nothing was stored")

    /// What mends a log whose immutability triggers were dropped or changed:
    /// its rows may have been changed meanwhile, so the chain is checked and
    /// the database restored, not the triggers only put back.
    public static let unguardedLogRemedy =
        "ledger verify   # then restore the database from a backup taken before the trigger was dropped or changed (docs/runbooks.md)"

    /// True when the database cannot be used until an operator acts (a
    /// restore, an upgrade, another path): readiness stays false until restart.
    public var needsOperator: Bool {
        switch self {
        case .corrupt, .damagedTree, .durabilityNotApplied, .notALedger, .foreignObjects, .newerLedger, .cannotOpen, .cannotConnect: true
        case .storageUnavailable, .storageRefused, .wrongExpectedVersion, .idempotencyKeyReused, .refused, .externalIDTaken,
             .invalidRequest, .importRejected, .unexpected, .leaseLost: false
        }
    }

    /// True when the same request may succeed later (answer 503, retry).
    public var isTransient: Bool {
        switch self {
        case .storageUnavailable, .wrongExpectedVersion: true
        case .idempotencyKeyReused, .refused, .externalIDTaken, .invalidRequest, .corrupt, .damagedTree, .importRejected,
             .durabilityNotApplied, .notALedger, .foreignObjects, .newerLedger, .cannotOpen, .cannotConnect,
             .storageRefused, .unexpected, .leaseLost: false
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
        case .leaseLost(let name, let epoch):
            "the \(name) lease passed to another holder (this round held epoch \(epoch)); its write was not made"
        case .storageUnavailable(let detail):
            "the database cannot store right now (\(detail)); retry later"
        case .corrupt(let detail):
            "the database is damaged (\(detail)); restore it from a backup (docs/runbooks.md) and run `ledger verify`"
        case .damagedTree(let detail):
            "the stored Merkle tree is damaged (\(detail)); it is derived from the chain: run `ledger verify` (the chain must "
                + "hold), then, with `ledger serve` stopped, `ledger rebuild --tree` (no backup is needed)"
        case .foreignObjects(let location, let names):
            "\(location) already holds \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", ..." : ""), "
                + "named as the ledger's tables but made by something else: nothing was written to it; "
                + "rename them, or give the ledger a database (on PostgreSQL, a schema through the role's search_path) of its own"
        case .cannotConnect(let location, let reason):
            "cannot connect to \(location): \(reason)"
        case .storageRefused(let detail):
            "the database refused the ledger's write (\(detail)); nothing was stored: an operator must act "
                + "(`ledger doctor` names the grant or setting), then the sender's retry is stored"
        case .notALedger(let path, let tables):
            "\(path) is another application's SQLite database (tables \(tables.prefix(5).joined(separator: ", "))"
                + "\(tables.count > 5 ? ", ..." : "")), not a ledger: nothing was written to it; give --db a new file or a ledger"
        case .newerLedger(let path, let migrations):
            "\(path) was migrated by a newer ledger (\(migrations.joined(separator: ", ")) unknown to this build): "
                + "nothing was written to it; run the newer ledger, or restore a backup taken before the upgrade"
        case .cannotOpen(let path, let detail):
            "cannot open the database \(path): \(detail)"
        case .unexpected(let detail):
            "unexpected error (\(detail)); please report it with the log around it"
        case .importRejected(let line, let detail):
            "line \(line): \(detail); nothing was imported"
        case .durabilityNotApplied(let expected, let actual):
            "the database's durability setting reads back \(actual), not \(expected): refusing to acknowledge writes"
        }
    }
}

extension StoreError {
    /// Any error as a ``StoreError``: a store's own passes through, anything
    /// else is a defect to report (dialects map their database's errors first).
    public static func from(_ error: any Error) -> StoreError {
        (error as? StoreError) ?? .unexpected(String(describing: error))
    }
}
