import LedgerCore

extension ReadModel {
    /// What the core adds to the rows an engine's SQL selected: the stuck
    /// counts' ages (``StuckJobs/withAges(_:at:)``). Every other answer is
    /// as selected.
    public func judged(_ table: ReadTable) -> ReadTable {
        if case .stuckJobs(let at, _) = self { return StuckJobs.withAges(table, at: at) }
        return table
    }
}
