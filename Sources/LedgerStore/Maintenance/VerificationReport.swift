/// What `ledger verify` found. Empty findings: the log is sound.
public struct VerificationReport: Sendable, Hashable, Codable {
    /// One problem, at the first position that shows it.
    public struct Finding: Sendable, Hashable, Codable {
        /// `chain`, `triggers`, `invariant`, `decode`, `checkpoint` or `tree`.
        public var check: String
        public var position: Int64?
        public var detail: String
        /// What mends it when the engine knows (the SQL that re-enables a guard), else nil.
        public var remedy: String?

        public init(check: String, position: Int64?, detail: String, remedy: String? = nil) {
            self.check = check
            self.position = position
            self.detail = detail
            self.remedy = remedy
        }
    }

    public var eventsChecked: Int64 = 0
    /// The chain's head, once it verified to the end; nil when it breaks
    /// (the finding names where), never a made-up zero head.
    public var head: ChainHead?
    public var findings: [Finding] = []
    /// Webhook bodies redacted by retention runs, each checked against its
    /// run's digest: redacted, not broken (``ChainCheck``).
    public var redactedBodies: Int64 = 0
    /// The `retention.applied` runs in the log.
    public var retentionRuns: Int = 0

    public var isSound: Bool { findings.isEmpty }

    public init() {}

    /// The first bad position named by any finding.
    public var firstBadPosition: Int64? { findings.compactMap(\.position).min() }
}

extension VerificationReport.Finding {
    /// What an import that would leave the log with this finding is refused
    /// with: the imported line it names, 0 when it is no line of the file.
    public func importRejection(firstImportedPosition: Int64) -> StoreError {
        let line = position.flatMap { $0 >= firstImportedPosition ? Int($0 - firstImportedPosition) + 1 : nil } ?? 0
        let what = check == "invariant" ? "breaks an invariant" : "fails verify's \(check) check"
        return .importRejected(line: line, detail: "\(what): \(detail)")
    }
}
