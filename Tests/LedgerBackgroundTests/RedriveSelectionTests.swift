import LedgerBackground
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// A bulk re-drive acts on the jobs its filters name and no others: during an
/// incident `--provider` keeps another provider's jobs out of it, and
/// `--since`/`--until` bound it to the outage's window (registered at or
/// after, and before).
@Suite struct RedriveSelectionTests {
    @Test func eachFilterNarrowsTheJobsARedriveActsOn() async throws {
        let clock = ManualClock()
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: StoreOptions(clock: { clock.now }))
        let start = clock.now
        for (jobID, provider) in [("j1", "replicate"), ("j2", "wavespeed"), ("j3", "replicate")] {
            _ = try await store.execute(Fixtures.register(jobID, provider: provider))
            clock.advance(milliseconds: 3_600_000)
        }
        let hour = { (count: Int64) in Timestamp(millisecondsSinceEpoch: start.millisecondsSinceEpoch + count * 3_600_000) }
        let redriver = Redriver(store: store, poller: nil, watchdog: nil)
        let cases: [(RedriveSelection, [String])] = [
            (RedriveSelection(provider: "replicate"), ["j1", "j3"]),
            (RedriveSelection(since: hour(1)), ["j2", "j3"]),
            (RedriveSelection(until: hour(1)), ["j1"]),
            (RedriveSelection(provider: "replicate", since: hour(1), until: hour(3)), ["j3"]),
            (RedriveSelection(status: .registered, provider: "fal"), []),
        ]
        for (selection, expected) in cases {
            #expect(try await redriver.matching(selection).map(\.jobID) == expected, "\(selection)")
        }
        let report = try await redriver.run(RedriveSelection(provider: "wavespeed"), action: .reevaluate, operatorName: "alice",
                                            reason: "INC-12", dryRun: false)
        for jobID in ["j1", "j2", "j3"] {
            let actions = try await store.events(inStream: StreamName.job(jobID)).filter { $0.type == "operator.action" }
            #expect(actions.count == (jobID == "j2" ? 1 : 0), "\(jobID): \(report)")
        }
        await store.close()
    }
}
