import LedgerCore

extension ReadModel {
    /// Rows an engine's SQL selected by the facts stored, judged by the core's
    /// rules where a rule decides: the conflicts report keeps the reports that
    /// contradict their job's outcome (``JobState/contradicts(_:_:)``, the rule
    /// the fold counts `conflict_count` by), then cuts to its limit.
    public func judged(_ table: ReadTable) -> ReadTable {
        if case .stuckJobs(let at, _) = self { return StuckJobs.withAges(table, at: at) }
        guard case .audit(.conflicts, _, _, let limit) = self else { return table }
        var kept = zip(table.rows, table.records).filter { _, record in
            guard let status = record["first_outcome"].flatMap(JobStatus.init(rawValue:)),
                  let reported = record["reported"].flatMap(ReportedStatus.init(rawValue:)) else { return false }
            return JobState.contradicts(status, reported)
        }.map(\.0)
        if let limit { kept = Array(kept.prefix(limit)) }
        return ReadTable(columns: table.columns, rows: kept)
    }

    /// Whether the engine's SQL may cut the rows to the limit: not before they are judged.
    public var limitsInSQL: Bool {
        if case .audit(.conflicts, _, _, _) = self { return false }
        return true
    }
}
