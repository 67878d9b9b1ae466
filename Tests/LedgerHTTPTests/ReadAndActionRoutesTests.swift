import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
@testable import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct ReadAndActionRoutesTests {
    static let admin = JobRoutesTests.headers("admin-key-0123456789abcdef")
    static let app = JobRoutesTests.app
    static let auditor = JobRoutesTests.auditor

    func withJob(_ test: @escaping @Sendable (any TestClientProtocol, SQLiteEventStore) async throws -> Void) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 25, externalID: "pred_1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("pred_1", .processing, delivery: "d1")))
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys))
        try await Application(router: buildRouter(services)).test(.router) { client in try await test(client, store) }
    }

    static func json(_ response: TestResponse) -> JSONValue? { JSONValue(jsonText: String(buffer: response.body)) }

    @Test func accountsAndProviderHealth() async throws {
        try await withJob { client, store in
            let viewColumns = try await store.table(.providerHealth).columns
            try await client.execute(uri: "/v1/accounts/acct_1", method: .get, headers: Self.auditor) {
                #expect($0.status == .ok)
                #expect(Self.json($0)?["charged"] == .int(25) && Self.json($0)?["net"] == .int(25))
            }
            try await client.execute(uri: "/v1/accounts/nobody", method: .get, headers: Self.auditor) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/providers/health", method: .get, headers: Self.auditor) {
                guard case .array(let providers) = Self.json($0)?["providers"] else { Issue.record("no providers"); return }
                #expect(providers.first?["provider"] == .string("replicate") && providers.first?["webhooks"] == .int(1))
                // Every column of the provider_health view, numbers as numbers, typed by the row, not the dialect.
                guard case .object(let members) = providers.first else { Issue.record("no provider object"); return }
                #expect(members.keys.sorted() == viewColumns.sorted())
                #expect(members["completions_webhook"] == .int(0) && members["unknown_statuses"] == .int(0))
                #expect(members["poll_share"] == .null && members["detection_latency_p50_s"] == .null)
                #expect(members["last_webhook_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) != nil)
            }
        }
    }

    /// Once a job ended, the latencies and the poll share are numbers in the
    /// API's JSON (until then null, as above).
    @Test func providerHealthAnswersItsMeasuresAsNumbersOnceAJobEnded() async throws {
        try await withJob { client, store in
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("pred_1", .completed, delivery: "d2")))
            try await client.execute(uri: "/v1/providers/health", method: .get, headers: Self.auditor) {
                guard case .array(let providers) = Self.json($0)?["providers"], let health = providers.first else {
                    Issue.record("no providers"); return
                }
                for measure in ["detection_latency_p50_s", "detection_latency_p95_s", "poll_share"] {
                    #expect(Self.number(health[measure]) != nil, "\(measure): \(String(describing: health[measure]))")
                }
                #expect(Self.number(health["poll_share"]) == 0 && health["completions_webhook"] == .int(1))
            }
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let whole): Double(whole)
        case .double(let real): real
        default: nil
        }
    }

    @Test func stateAsOfAPosition() async throws {
        try await withJob { client, _ in
            try await client.execute(uri: "/v1/jobs/j1/state?position=1", method: .get, headers: Self.auditor) {
                #expect(Self.json($0)?["status"] == .string("processing") && Self.json($0)?["webhook_count"] == .int(0))
            }
            // A position the log has not reached: 404 naming the head, as `ledger replay` exits 1 (not the job as it is now).
            try await client.execute(uri: "/v1/jobs/j1/state?position=1000", method: .get, headers: Self.auditor) {
                #expect($0.status == .notFound && String(buffer: $0.body).contains("position 1000 is past the log's head"),
                        "\(String(buffer: $0.body))")
            }
            for bad in ["?position=0", "?as_of=yesterday", "?position=1%27%20OR%201=1"] {
                try await client.execute(uri: "/v1/jobs/j1/state\(bad)", method: .get, headers: Self.auditor) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    @Test func adminsResolveAJobAndTheReasonIsRecorded() async throws {
        try await withJob { client, store in
            let body = #"{"action":"resolve_failed","operator":"ops@example","reason":"provider lost it"}"#
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.app, body: ByteBuffer(string: body)) {
                #expect($0.status == .forbidden)
            }
            let missingReason = #"{"action":"resolve_failed","operator":"ops","reason":" "}"#
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: missingReason)) {
                #expect($0.status == .badRequest)
            }
            let poll = #"{"action":"poll","operator":"ops","reason":"check"}"#
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: poll)) {
                #expect($0.status == .conflict, "no background services in this server")
            }
            let before = try await store.head()
            #expect(before.position == 2, "refusals appended nothing")
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: body)) {
                #expect($0.status == .ok)
                #expect(Self.json($0)?["status"] == .string("failed") && Self.json($0)?["refunded_amount"] == .int(25))
            }
            let types = try await store.events(inStream: "job-j1").map(\.type)
            #expect(types.suffix(3) == ["operator.action", "job.failed", "credit.refunded"])
            // The same action again (a retry after a lost answer): the job as it is, nothing appended.
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: body)) {
                #expect($0.status == .ok && Self.json($0)?["status"] == .string("failed"))
            }
            #expect(try await store.events(inStream: "job-j1").count == types.count)
            let another = body.replacingOccurrences(of: "ops@example", with: "someone@example")
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: another)) {
                #expect($0.status == .conflict, "another resolution of a job that ended")
            }
        }
    }

    /// An operator completes a job the provider never reported, with the outputs it
    /// delivered elsewhere: the job keeps them and lists their URLs; no refund.
    @Test func anAdminResolvesAJobCompletedWithItsOutputs() async throws {
        try await withJob { client, store in
            let body = #"{"action":"resolve_completed","operator":"ops@example","reason":"delivered by hand","#
                + #""outputs":{"video":"https://cdn.example/j1.mp4"}}"#
            try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: body)) {
                #expect($0.status == .ok)
                let job = Self.json($0)
                #expect(job?["status"] == .string("completed") && job?["refunded_amount"] == .int(0), "\(String(describing: job))")
                #expect(job?["outputs"] == .object(["video": .string("https://cdn.example/j1.mp4")]))
                #expect(job?["output_urls"] == .array([.string("https://cdn.example/j1.mp4")]))
            }
            let types = try await store.events(inStream: "job-j1").map(\.type)
            #expect(types.suffix(2) == ["operator.action", "job.completed"], "\(types)")
        }
    }

    @Test func aReevaluationIsRecordedWithItsReasonOnce() async throws {
        try await withJob { client, store in
            let body = #"{"action":"reevaluate","operator":"ops@example","reason":"provider outage, re-check"}"#
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/jobs/j1/actions", method: .post, headers: Self.admin, body: ByteBuffer(string: body)) {
                    #expect($0.status == .ok)
                    #expect(Self.json($0)?["job_id"] == .string("j1"))
                }
            }
            let events = try await store.events(inStream: "job-j1")
            #expect(events.map(\.type).filter { $0 == "operator.action" }.count == 1, "the identical repeat appended nothing")
            let action = try #require(events.last.flatMap { JSONValue(jsonText: $0.data) })
            #expect(action["reason"] == .string("provider outage, re-check") && action["operator"] == .string("ops@example"))
        }
    }

    @Test func jobsComeInPagesWithAnOpaqueCursor() async throws {
        try await withJob { client, store in
            for index in 2...4 {
                _ = try await store.execute(Fixtures.register("j\(index)", cost: 1, provider: index == 3 ? "wavespeed" : "replicate",
                                                              account: index == 4 ? "acct_2" : "acct_1"))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                pages += 1
                let uri = "/v1/jobs?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                try await client.execute(uri: uri, method: .get, headers: Self.auditor) { response in
                    guard case .array(let jobs) = Self.json(response)?["jobs"] else { Issue.record("no jobs"); return }
                    seen += jobs.compactMap { $0["job_id"]?.stringValue }
                    cursor = Self.json(response)?["next_cursor"]?.stringValue
                }
            } while cursor != nil && pages < 5
            #expect(seen == ["j1", "j2", "j3", "j4"] && pages == 2, "a full last page carries no cursor to an empty one")
            // The largest page the API allows (read with one job past it: it once stopped the server).
            try await client.execute(uri: "/v1/jobs?limit=1000", method: .get, headers: Self.auditor) {
                #expect($0.status == .ok && Self.json($0)?["next_cursor"] == .null)
                guard case .array(let jobs) = Self.json($0)?["jobs"] else { Issue.record("no jobs"); return }
                #expect(jobs.count == 4)
            }
            try await client.execute(uri: "/v1/jobs?status=processing", method: .get, headers: Self.auditor) {
                guard case .array(let jobs) = Self.json($0)?["jobs"] else { Issue.record("no jobs"); return }
                #expect(jobs.compactMap { $0["job_id"]?.stringValue } == ["j1"])
            }
            for (filter, expected) in [("account=acct_2", ["j4"]), ("provider=wavespeed", ["j3"]),
                                       ("account=acct_1&provider=replicate", ["j1", "j2"]), ("account=nobody", [])] {
                try await client.execute(uri: "/v1/jobs?\(filter)", method: .get, headers: Self.auditor) {
                    guard case .array(let jobs) = Self.json($0)?["jobs"] else { Issue.record("no jobs"); return }
                    #expect(jobs.compactMap { $0["job_id"]?.stringValue } == expected, "\(filter)")
                }
            }
            for bad in ["?status=lost", "?limit=0", "?limit=5000", "?cursor=%25%25", "?status=processing%27%20OR%201=1"] {
                try await client.execute(uri: "/v1/jobs\(bad)", method: .get, headers: Self.auditor) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    /// A query parameter the route does not read is refused, not dropped: `?state=failed`
    /// (for `?status=failed`) answered every job; a cursor naming no job (damaged on its
    /// way) answered an empty last page, so a client stopped paging in silence.
    @Test func anUnknownQueryParameterOrADamagedCursorIsRefused() async throws {
        try await withJob { client, store in
            for index in 2...4 { _ = try await store.execute(Fixtures.register("j\(index)", cost: 1)) }
            for uri in ["/v1/jobs?state=failed", "/v1/jobs?status=processing&limt=2", "/v1/jobs/j1?wiat=30s",
                        "/v1/jobs/j1/state?asof=2026-11-23T10:00:00Z", "/v1/jobs/j1/events?after=3", "/v1/providers/health?x=1",
                        "/v1/accounts/acct_1?since=2026-01-01T00:00:00Z", "/v1/checkpoint?size=3", "/v1/jobs/j1/proof?position=1",
                        "/v1/jobs?cursor=\(JobRoutes.encodeCursor("j9"))", "/v1/jobs?cursor=\(String(JobRoutes.encodeCursor("j2").dropLast()))"] {
                try await client.execute(uri: uri, method: .get, headers: Self.auditor) {
                    #expect($0.status == .badRequest, "\(uri)")
                    #expect(Self.json($0)?["detail"]?.stringValue?.contains(uri.contains("cursor") ? "cursor" : "reads") == true, "\(uri)")
                }
            }
            let body = ByteBuffer(string: #"{"reason":"no longer needed"}"#)
            try await client.execute(uri: "/v1/jobs/j2/cancel?force=true", method: .post, headers: Self.app, body: body) {
                #expect($0.status == .badRequest)
            }
            #expect(try await store.job("j2")?.status == .registered, "the refused request changed nothing")
            // The parameters a route reads still pass, and a cursor this API returned.
            let cursor = JobRoutes.encodeCursor("j2")
            try await client.execute(uri: "/v1/jobs?status=registered&limit=1&cursor=\(cursor)", method: .get, headers: Self.auditor) {
                #expect($0.status == .ok)
                guard case .array(let jobs) = Self.json($0)?["jobs"] else { Issue.record("no jobs"); return }
                #expect(jobs.compactMap { $0["job_id"]?.stringValue } == ["j3"])
            }
        }
    }

    @Test func aLongPollAnswersWhenTheJobChangesOrWhenTheTimeIsUp() async throws {
        try await withJob { client, store in
            let started = ContinuousClock.now
            try await client.execute(uri: "/v1/jobs/j1?wait=300ms", method: .get, headers: Self.auditor) {
                #expect($0.status == .ok && Self.json($0)?["status"] == .string("processing"))
            }
            #expect(ContinuousClock.now - started >= .milliseconds(280), "with no change it waited its time")
            async let changed: Void = {
                try await Task.sleep(for: .milliseconds(200))
                _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("pred_1", .completed, delivery: "d2")))
            }()
            let before = ContinuousClock.now
            try await client.execute(uri: "/v1/jobs/j1?wait=20s", method: .get, headers: Self.auditor) {
                #expect(Self.json($0)?["status"] == .string("completed"))
            }
            #expect(ContinuousClock.now - before < .seconds(10), "the change answered it long before the 20 s")
            try await changed
            for bad in ["?wait=forever", "?wait=0s", "?wait=-1s"] {
                try await client.execute(uri: "/v1/jobs/j1\(bad)", method: .get, headers: Self.auditor) {
                    #expect($0.status == .badRequest, "\(bad)")
                }
            }
        }
    }

    /// A wait past a minute is cut to 60 s rather than refused (docs/decisions.md).
    @Test func aWaitLongerThanAMinuteIsCutTo60Seconds() {
        #expect(JobRoutes.waitMilliseconds("300ms") == 300)
        #expect(JobRoutes.waitMilliseconds("60s") == 60_000)
        #expect(JobRoutes.waitMilliseconds("61s") == 60_000)
        #expect(JobRoutes.waitMilliseconds("10m") == 60_000)
        #expect(JobRoutes.waitMilliseconds("forever") == nil)
    }
}
