/// `operator.action`: an admin re-drove or resolved a job.
public struct OperatorAction: Sendable, Hashable, Codable {
    public var operatorName: String
    /// `poll`, `notify`, `reevaluate`, `resolve_completed` or `resolve_failed`.
    public var action: String
    public var reason: String

    public init(operatorName: String, action: String, reason: String) {
        self.operatorName = operatorName
        self.action = action
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case operatorName = "operator", action, reason }
}
