import LedgerCore

extension ReadModel {
    /// What the core adds to the rows an engine's SQL selected: the stuck
    /// jobs' ages (``StuckJobs/withAges(_:at:)``, ``StuckJobs/withListAges(_:at:)``).
    /// Every other answer is as selected.
    public func judged(_ table: ReadTable) -> ReadTable {
        switch self {
        case .stuckJobs(let at, _): StuckJobs.withAges(table, at: at)
        case .stuckList(let at, _, _, _): StuckJobs.withListAges(table, at: at)
        case .page(let page):
            if case .stuck(let at, _) = page.list { StuckJobs.withListAges(table, at: at) } else { table }
        default: table
        }
    }
}
