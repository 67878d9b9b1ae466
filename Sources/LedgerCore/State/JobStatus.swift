/// A job's status in the `jobs` projection.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case registered, processing, completed, failed, cancelled

    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: true
        case .registered, .processing: false
        }
    }
}
