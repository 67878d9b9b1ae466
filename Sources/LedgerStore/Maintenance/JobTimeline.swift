import LedgerCore

/// A job's history with its state after each event (`ledger replay`).
public struct JobTimeline: Sendable {
    public struct Step: Sendable {
        public var stored: StoredEvent
        public var state: JobState

        package init(stored: StoredEvent, state: JobState) {
            self.stored = stored
            self.state = state
        }
    }

    public var jobID: String
    public var steps: [Step]

    package init(jobID: String, steps: [Step]) {
        self.jobID = jobID
        self.steps = steps
    }
    /// The state after the last step (at `--as-of` / `--position` when given).
    public var state: JobState { steps.last?.state ?? JobState(jobID: jobID) }
}

/// Where a replay stops.
public enum ReplayLimit: Sendable, Hashable {
    case none
    /// Events recorded at or before this time.
    case asOf(Timestamp)
    /// Events at or before this global position.
    case position(Int64)

}

extension LogReads {
    /// Why `limit` names no point the log has reached (a position past its
    /// head), or nil; the head is read only for a position. Such a position is
    /// a mistyped one, not "now": the job as it is would pass for the state asked about.
    public func pastHead(_ limit: ReplayLimit) async throws(StoreError) -> String? {
        guard case .position(let position) = limit else { return nil }
        let head = try await head()
        return position > head.position ? "position \(position) is past the log's head (\(head.position))" : nil
    }
}
