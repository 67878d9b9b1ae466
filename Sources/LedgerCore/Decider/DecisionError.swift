/// Why a command was refused. Nothing is appended for a refused command.
public enum DecisionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The job id is not registered.
    case unknownJob(jobID: String)
    /// The job id is registered with another payload; names the fields that differ.
    case registeredWithDifferentPayload(jobID: String, fields: [String])
    /// The job already has another external id.
    case externalIDAlreadySet(jobID: String, existing: String)
    /// The job is already completed, failed or cancelled.
    case alreadyTerminal(jobID: String, status: JobStatus)
    /// The command is malformed (an empty id, a negative cost, ...).
    case invalid(String)
    /// Another job of the provider already has this external id.
    case externalIDTaken(provider: String, externalID: String, jobID: String)

    public var description: String {
        switch self {
        case .unknownJob(let jobID):
            "job \(jobID) is not registered; register it with POST /v1/jobs first"
        case .registeredWithDifferentPayload(let jobID, let fields):
            "job \(jobID) is already registered with a different \(fields.joined(separator: ", ")); "
                + "use a new job_id, or resend the original body"
        case .externalIDAlreadySet(let jobID, let existing):
            "job \(jobID) was already submitted as external id \(existing); a job has one external id"
        case .alreadyTerminal(let jobID, let status):
            "job \(jobID) is already \(status.rawValue); a job reaches one terminal outcome"
        case .invalid(let detail):
            detail
        case .externalIDTaken(let provider, let externalID, let jobID):
            "external id \(externalID) of \(provider) already belongs to job \(jobID)"
        }
    }
}
