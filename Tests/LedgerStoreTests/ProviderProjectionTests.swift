import Foundation
import GRDB
import LedgerCore
@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The SQL twins of Swift rules stay twins: the `jobs` view's `output_urls`
/// and the migration's back-fill of unknown status words.
@Suite struct ProviderProjectionTests {
    static let shapes: [String] = [
        #""https://a.example/1.png""#,
        #"["https://a/1", "not a url", "https://a/1", "HTTP://B/2", "ftp://c/3", "http://c/4"]"#,
        #"{"text_url": "https://s/t.txt", "srt_url": "http://s/s.srt", "text": null, "n": 3, "é": "https://u/é"}"#,
        #"{"images": [{"url": "http://i/1.png", "width": 1}, {"url": "http://i/2.png"}], "seed": 196619188014358660}"#,
        #"[["\n\n", "Here is"], {"deep": {"deeper": ["https://d/x", "https://d/\"quoted\""]}}]"#,
        "null",
    ]

    @Test func theJobsViewFindsTheSameOutputURLsAsTheAPI() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        for (index, shape) in Self.shapes.enumerated() {
            let outputs = try #require(JSONValue(jsonText: shape))
            _ = try await store.execute(Fixtures.register("j\(index)", externalID: "x\(index)"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x\(index)", .failed, delivery: "f\(index)")))
            // A late completion: its outputs are the job's late outputs, after the (empty) outputs.
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x\(index)", .completed, delivery: "c\(index)", outputs: outputs)))
            _ = try await store.execute(Fixtures.register("k\(index)", externalID: "y\(index)"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("y\(index)", .completed, delivery: "k\(index)", outputs: outputs)))
        }
        let rows = try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000).run("SELECT job_id, output_urls FROM jobs").rows
        #expect(rows.count == Self.shapes.count * 2)
        for row in rows {
            let job = try #require(try await store.job(row[0] ?? ""))
            #expect(JSONValue(jsonText: row[1] ?? "") == .array(job.outputURLs.map(JSONValue.string)), "\(job.jobID): \(row[1] ?? "")")
        }
        #expect(try await store.job("k1")?.outputURLs == ["https://a/1", "HTTP://B/2", "http://c/4"])
    }

    /// What the migration counted from an existing log equals what live
    /// appends counted: webhooks (duplicates and adopted copies once), orphans,
    /// answered polls; not polls that failed in transit or answered 5xx.
    @Test func theBackfillCountsWhatLiveAppendsCount() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        func unknown(_ word: String, _ externalID: String, delivery: String) -> WebhookReceived {
            var webhook = Fixtures.webhook(externalID, .unknown, delivery: delivery)
            webhook.rawStatus = word
            return webhook
        }
        _ = try await store.execute(Fixtures.register("j", externalID: "x"))
        _ = try await store.execute(Fixtures.deliver(unknown("paused", "x", delivery: "d1")))
        _ = try await store.execute(Fixtures.deliver(unknown("paused", "x", delivery: "d1")))
        _ = try await store.execute(Fixtures.deliver(unknown("paused", "orphan", delivery: "d2")))
        _ = try await store.execute(Fixtures.deliver(unknown("zombie", "later", delivery: "d3")))
        _ = try await store.execute(Fixtures.register("k", externalID: "later"))
        let answered = PollResult(attempt: 1, reportedStatus: .unknown, rawStatus: "hibernating", httpStatus: 200)
        let broken = PollResult(attempt: 2, reportedStatus: .unknown, rawStatus: "", httpStatus: 502)
        let lost = PollResult(attempt: 3, reportedStatus: .unknown, rawStatus: "", transportError: "timed out")
        for poll in [answered, broken, lost] {
            _ = try await store.execute(.job(jobID: "j", command: .poll(poll), metadata: Fixtures.app))
        }
        let live = try await Self.counts(store)
        #expect(live == ["replicate/hibernating=1", "replicate/paused=2", "replicate/zombie=1"])
        try await store.write { db in
            try db.execute(sql: "DELETE FROM projection_unknown_statuses")
            try db.execute(sql: LedgerMigrations.v5UnknownStatusesBackfill)
        }
        #expect(try await Self.counts(store) == live)
        #expect(try await store.rebuildCheck().matches)
    }

    static func counts(_ store: SQLiteEventStore) async throws -> [String] {
        try await store.read { db in
            try Row.fetchAll(db, sql: "SELECT provider, raw_status, reports FROM unknown_statuses ORDER BY 1, 2").map { row in
                "\(row[0] as String)/\(row[1] as String)=\(row[2] as Int64)"
            }
        }
    }
}
