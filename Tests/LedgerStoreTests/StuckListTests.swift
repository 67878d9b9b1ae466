import LedgerCore
import LedgerStore
import Testing

/// The stuck list's `age_s`, which the core fills in after an engine's SQL
/// selected the rows (``ReadModel/judged(_:)``).
@Suite struct StuckListTests {
    static let at = Timestamp(iso8601: "2026-12-06T12:00:00.000Z")!
    static let selected = ReadTable(columns: ["job_id", "age_s", "registered_at", "submitted_at"], rows: [
        ["sent", nil, "2026-12-06T09:00:00.000Z", "2026-12-06T11:00:00.000Z"],
        ["waiting", nil, "2026-12-06T11:30:00.000Z", nil],
    ])

    @Test func aStuckJobsAgeRunsFromItsSubmissionElseItsRegistration() {
        let report = ReadModel.stuckList(at: Self.at, policy: .standard, registeredFrom: nil, registeredTo: nil).judged(Self.selected)
        #expect(report.records.map { $0["age_s"] } == ["3600", "1800"])
        let page = ReadModel.page(ListPage(.stuck(at: Self.at, policy: .standard), after: nil, limit: 10)).judged(Self.selected)
        #expect(page.records.map { $0["age_s"] } == ["3600", "1800"])
        #expect(page.columns == Self.selected.columns, "the columns stay where the SQL put them")
    }
}
