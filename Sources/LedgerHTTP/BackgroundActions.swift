import LedgerStore

/// What the admin actions `poll`, `notify` and `reevaluate` ask of the
/// background services (the command line wires the real ones in).
public protocol BackgroundActions: Sendable {
    /// Re-drives one job; returns whether anything was done (false: an
    /// identical repeat, or an action that does not apply to the job).
    func redrive(jobID: String, action: String, operatorName: String, reason: String) async throws(StoreError) -> RedriveAnswer
}

public enum RedriveAnswer: Sendable, Equatable {
    case acted
    case repeated
    case notApplicable(String)
}
