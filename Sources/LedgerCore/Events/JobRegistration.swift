/// `job.registered`: the app registers a job it submitted, or will submit.
public struct JobRegistered: Sendable, Hashable, Codable {
    public var jobID: String
    public var account: String
    public var provider: String
    public var operation: String
    /// Credits charged for the job; refunded if it fails or is cancelled.
    public var cost: Int64
    public var externalID: String?
    public var metadata: JSONValue

    public init(jobID: String, account: String, provider: String, operation: String,
                cost: Int64, externalID: String? = nil, metadata: JSONValue = .object([:])) {
        self.jobID = jobID
        self.account = account
        self.provider = provider
        self.operation = operation
        self.cost = cost
        self.externalID = externalID
        self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id", account, provider, operation, cost
        case externalID = "external_id", metadata
    }
}

/// `job.submitted`: the provider's id for the job became known.
public struct JobSubmitted: Sendable, Hashable, Codable {
    public var externalID: String

    public init(externalID: String) { self.externalID = externalID }

    enum CodingKeys: String, CodingKey { case externalID = "external_id" }
}
