/// `job.completed`: the first completion evidence for a job not yet terminal.
public struct JobCompleted: Sendable, Hashable, Codable {
    public var source: EvidenceSource
    public var outputs: JSONValue
    /// The position of the fact (webhook, poll, operator action) that decided it.
    public var evidencePosition: Int64

    public init(source: EvidenceSource, outputs: JSONValue, evidencePosition: Int64) {
        self.source = source
        self.outputs = outputs
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case source, outputs, evidencePosition = "evidence_position"
    }
}

/// `job.failed`: first failure evidence, the watchdog's deadline, or an operator.
public struct JobFailed: Sendable, Hashable, Codable {
    public var source: EvidenceSource
    public var reason: String
    public var evidencePosition: Int64

    public init(source: EvidenceSource, reason: String, evidencePosition: Int64) {
        self.source = source
        self.reason = reason
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case source, reason, evidencePosition = "evidence_position"
    }
}

/// `job.cancelled`: the app cancelled the job, or the provider reported it cancelled.
public struct JobCancelled: Sendable, Hashable, Codable {
    public var source: EvidenceSource
    public var reason: String
    public var evidencePosition: Int64

    public init(source: EvidenceSource, reason: String, evidencePosition: Int64) {
        self.source = source
        self.reason = reason
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case source, reason, evidencePosition = "evidence_position"
    }
}

/// `job.late_completion`: completion evidence after the job had failed or was
/// cancelled. The job keeps its terminal status; the outputs are recorded.
public struct JobLateCompletion: Sendable, Hashable, Codable {
    public var source: EvidenceSource
    public var outputs: JSONValue
    public var policy: LateCompletionPolicy
    public var evidencePosition: Int64

    public init(source: EvidenceSource, outputs: JSONValue, policy: LateCompletionPolicy, evidencePosition: Int64) {
        self.source = source
        self.outputs = outputs
        self.policy = policy
        self.evidencePosition = evidencePosition
    }

    enum CodingKeys: String, CodingKey {
        case source, outputs, policy, evidencePosition = "evidence_position"
    }
}
