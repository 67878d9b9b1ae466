import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerProviders
@testable import LedgerHTTP
@testable import LedgerSQLite
import LedgerStore
import LedgerTesting
import Logging
import Synchronization
import Testing

@Suite struct ObservabilityTests {
    static let tokens = ["wavespeed": "wavespeed-token-0123456789"]

    /// The value of one unlabelled (or exactly labelled) sample in `/metrics`.
    static func metric(_ client: any TestClientProtocol, _ series: String) async throws -> Double? {
        try await client.execute(uri: "/metrics", method: .get) { response in
            String(buffer: response.body).split(separator: "\n")
                .first { $0.hasPrefix(series + " ") }
                .flatMap { Double($0.split(separator: " ").last ?? "") }
        }
    }

    func withApp(logs: CapturedLogs = CapturedLogs(), store: SQLiteEventStore? = nil, refusalLogWindow: Duration = .seconds(10),
                 _ test: @escaping @Sendable (any TestClientProtocol, SQLiteEventStore) async throws -> Void) async throws {
        let store = try store ?? SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(
            store: store, keys: try APIKeys(parsing: JobRoutesTests.keys), requestBodyBytesMax: 1 << 20,
            providers: try ProviderRegistry(secrets: ["replicate": WebhookRoutesTests.secret].merging(Self.tokens) { a, _ in a }),
            now: { WebhookRoutesTests.now }, refusalLogWindow: refusalLogWindow)
        let logger = Logger(label: "ledger") { label in
            JSONLogHandler(label: label, level: .debug) { line in logs.lines.withLock { $0.append(line) } }
        }
        try await Application(router: buildRouter(services), logger: logger).test(.router) { client in try await test(client, store) }
    }

    @Test func metricsFollowTheNamingConventionsAndCountWebhooksByOutcome() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", cost: 7, externalID: "pred_1"))
            let body = WebhookRoutesTests.succeeded
            for id in ["m1", "m1"] {
                let headers = try WebhookRoutesTests.signed(body, id: id)
                _ = try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
            }
            _ = try await client.execute(uri: "/v1/webhooks/replicate", method: .post, body: ByteBuffer(string: body)) { $0.status }
            _ = try await client.execute(uri: "/v1/webhooks/nosuch", method: .post, body: ByteBuffer(string: body)) { $0.status }
            // Refused before routing (BodyReadMiddleware), still counted as the provider's.
            let oversized = ByteBuffer(repeating: UInt8(ascii: " "), count: (1 << 20) + 1)
            #expect(try await client.execute(uri: "/v1/webhooks/replicate", method: .post, body: oversized) { $0.status } == .contentTooLarge)
            // An app's request with a key this node does not have: counted (it showed only in throttled log lines).
            let stranger: HTTPFields = [.authorization: "Bearer not-a-key-of-this-node-0123"]
            #expect(try await client.execute(uri: "/v1/jobs/j1", method: .get, headers: stranger) { $0.status } == .unauthorized)
            let text = try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                return String(buffer: response.body)
            }
            for sample in [
                #"ledger_webhooks_total{provider="replicate",outcome="recorded"} 1"#,
                #"ledger_webhooks_total{provider="replicate",outcome="duplicate"} 1"#,
                #"ledger_webhooks_total{provider="replicate",outcome="unauthorized"} 1"#,
                #"ledger_webhooks_total{provider="unknown",outcome="unknown_provider"} 1"#,
                #"ledger_webhooks_total{provider="replicate",outcome="too_large"} 1"#,
                #"ledger_http_responses_total{status="401"} 2"#, #"ledger_http_responses_total{status="413"} 1"#,
                #"ledger_http_responses_total{status="200"} 2"#,
                #"ledger_jobs{status="completed"} 1"#, "ledger_conflicts_total 0", "ledger_refunds_total 0",
                "ledger_log_position 4", "ledger_ready 1",
            ] {
                #expect(text.contains(sample + "\n"), "\(sample)")
            }
            #expect(text.contains("ledger_append_duration_seconds_bucket"))
            // Conventions: every family is ledger_-prefixed; counters end in _total;
            // no label carries a job or an account.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.hasPrefix("ledger_"), "\(line)")
                #expect(!line.contains("j1") && !line.contains("acct_1") && !line.contains("pred_1"), "\(line)")
            }
            for line in text.split(separator: "\n") where line.hasPrefix("# TYPE") && line.hasSuffix(" counter") {
                #expect(line.split(separator: " ")[2].hasSuffix("_total"), "\(line)")
            }
        }
    }

    /// FAULTS 39: the series `/metrics` serves do not grow with the jobs,
    /// accounts or deliveries seen: 5 jobs or 60, over many accounts, the same
    /// series (a label carrying an id would add one per id).
    @Test func theMetricSeriesDoNotGrowWithJobsOrAccounts() async throws {
        try await withApp { client, store async throws in
            func run(_ range: Range<Int>) async throws -> Set<String> {
                for index in range {
                    _ = try await store.execute(Fixtures.register("j\(index)", cost: 3, externalID: "pred_\(index)", account: "acct_\(index)"))
                    for status in index % 3 == 0 ? ["failed"] : ["processing", "succeeded"] {
                        let body = #"{"id":"pred_\#(index)","status":"\#(status)"}"#
                        let headers = try WebhookRoutesTests.signed(body, id: "m\(index)\(status)")
                        _ = try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers,
                                                     body: ByteBuffer(string: body)) { $0.status }
                    }
                }
                let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                // A series is a line's name and labels, without its value.
                return Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { String($0.split(separator: " ")[0]) })
            }
            let few = try await run(0..<5)
            let many = try await run(5..<60)
            #expect(few == many, "series added by more jobs: \(many.subtracting(few).sorted())")
            #expect(few.count > 20, "the metrics are served: \(few.count) series")
        }
    }

    @Test func aRefusedFailureIsCountedAsARefund() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", cost: 7, externalID: "pred_1"))
            let body = #"{"id":"pred_1","status":"failed","error":"out of memory"}"#
            let headers = try WebhookRoutesTests.signed(body, id: "m1")
            _ = try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
            #expect(try await Self.metric(client, "ledger_refunds_total") == 1)
            #expect(try await Self.metric(client, "ledger_refunded_credits_total") == 7)
        }
    }

    /// Secrets (a provider's token, an API key, a bearer) never reach the
    /// logs, an answer's problem details, or the events stored.
    @Test func logsAreJSONLinesWithTheRequestsFactsAndNeverBodiesTokensOrKeys() async throws {
        let logs = CapturedLogs()
        let answers = Mutex<[String]>([])
        try await withApp(logs: logs) { client, store async throws in
            func send(_ uri: String, _ method: HTTPRequest.Method, headers: HTTPFields = [:], body: String = "") async throws -> HTTPResponse.Status {
                try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) { response in
                    answers.withLock { $0.append(String(buffer: response.body)) }
                    return response.status
                }
            }
            _ = try await store.execute(Fixtures.register("j1", cost: 7, externalID: "ws_1", provider: "wavespeed"))
            let body = #"{"id":"ws_1","status":"completed","outputs":["https://cdn.example/secret-output.png"]}"#
            let token = Self.tokens["wavespeed"]!
            #expect(try await send("/v1/webhooks/wavespeed?token=\(token)", .post, body: body) == .ok)
            #expect(try await send("/v1/webhooks/wavespeed?token=wrong-token-0123456789", .post, body: body) == .unauthorized)
            var headers: HTTPFields = [.authorization: "Bearer app-key-0123456789abcdef"]
            headers[.contentType] = "application/json"
            _ = try await send("/v1/jobs/j1", .get, headers: headers)
            // A wrong key, a key of the wrong role, and a token where the ledger expects a signature.
            #expect(try await send("/v1/jobs/j1", .get, headers: [.authorization: "Bearer wrong-key-0123456789abcdef"]) == .unauthorized)
            #expect(try await send("/v1/jobs/j1/actions", .post, headers: headers, body: "{}") == .forbidden)
            #expect(try await send("/v1/webhooks/replicate?token=\(token)", .post, body: body) == .unauthorized)
            let stored = try await store.events(after: 0, limit: 1000).map { $0.data + $0.metadata + ($0.idempotencyKey ?? "") }
            answers.withLock { $0.append(contentsOf: stored) }
        }
        let lines = logs.lines.withLock { $0 }
        let objects = lines.compactMap { JSONValue(jsonText: $0) }
        #expect(objects.count == lines.count && !lines.isEmpty, "every line is one JSON object")
        let recorded = try #require(objects.first { $0["message"] == .string("webhook recorded") })
        #expect(recorded["provider"] == .string("wavespeed") && recorded["job_id"] == .string("j1"))
        #expect(recorded["position"] == .int(2) && recorded["request_id"]?.stringValue?.isEmpty == false)
        // Metadata keeps its type: an integer a number, a flag true or false.
        #expect(recorded["duplicate"] == .bool(false))
        #expect(objects.contains { $0["message"] == .string("webhook refused") && $0["status"] == .int(401) })
        let everything = lines.joined()
        for secret in ["wavespeed-token-0123456789", "wrong-token", "wrong-key", "app-key-0123456789abcdef", "secret-output", "token=w",
                       "Bearer"] {
            #expect(!everything.contains(secret), "\(secret) leaked into the logs")
        }
        let answered = answers.withLock { $0 }
        #expect(answered.count > 6 && answered.contains { $0.contains("problem") || $0.contains("title") })
        // (A 401's detail names the header to send, "Authorization: Bearer <key>": words, not a secret.)
        for secret in ["wavespeed-token-0123456789", "wrong-token", "wrong-key", "app-key-0123456789abcdef", "token=w"] {
            #expect(!answered.contains { $0.contains(secret) }, "\(secret) leaked into an answer or a stored event")
        }
    }

    @Test func whenTheDiskIsFullIngestAnswers503AndRecoversWhenSpaceReturns() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 7, externalID: "pred_1"))
        // SQLite's own cap on the file's pages stands in for a full disk: the
        // writer's next page allocation fails with SQLITE_FULL.
        let pages = try await store.write(keepsWriterState: true) { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
        _ = try await store.write(keepsWriterState: true) { db in try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)") }
        try await withApp(store: store) { client, store async throws in
            let body = #"{"id":"pred_1","status":"succeeded","output":""# + String(repeating: "x", count: 64_000) + #""}"#
            let headers = try WebhookRoutesTests.signed(body, id: "m1")
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: body)) {
                #expect($0.status == .serviceUnavailable && $0.headers[.retryAfter] == "5")
            }
            #expect(try await store.head().position == 1, "nothing of the refused webhook is stored")
            #expect(try await Self.metric(client, "ledger_ready") == 0)
            #expect(try await Self.metric(client, "ledger_storage_errors_total") == 1)
            _ = try await store.write(keepsWriterState: true) { db in try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823") }
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: body)) {
                #expect($0.status == .ok, "the provider's retry is stored once space returns, without a restart")
            }
            #expect(try await Self.metric(client, "ledger_ready") == 1)
        }
        #expect(try await store.job("j1")?.status == .completed)
        #expect(try await store.verify().isSound)
    }

    /// A flood of forged deliveries (or every delivery in an outage) writes one
    /// line per condition every 10 s, not one per request; the metrics count all.
    @Test func refusalsInAFloodAreLoggedOncePerConditionAndCountedEach() async throws {
        let logs = CapturedLogs()
        // A window longer than the test, however slow the machine: the count is the rule's, not the clock's.
        try await withApp(logs: logs, refusalLogWindow: .seconds(3600)) { client, _ in
            for index in 0..<40 {
                let forged = try WebhookRoutesTests.signed(WebhookRoutesTests.succeeded, id: "f\(index)",
                                                          secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString())
                #expect(try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: forged,
                                                 body: ByteBuffer(string: WebhookRoutesTests.succeeded)) { $0.status } == .unauthorized)
            }
            #expect(try await Self.metric(client, "ledger_webhooks_total{provider=\"replicate\",outcome=\"unauthorized\"}") == 40)
        }
        let lines = logs.lines.withLock { $0 }
        #expect(lines.filter { $0.contains("webhook refused") }.count == 1, "\(lines.count) lines")
        #expect(lines.filter { $0.contains("\"request\"") && $0.contains("401") }.count == 1, "\(lines.count) lines")
    }

    /// A sender that gives one webhook-id to several messages has the later ones
    /// recorded as duplicates that decide nothing (Standard Webhooks: one id, one
    /// message) and answered 200: the operator is told, the same body again is not.
    @Test func aWebhookIDReusedWithAnotherBodyIsLoggedAsAWarning() async throws {
        let logs = CapturedLogs()
        // No window: each warning the route makes is written, so the count is the route's.
        try await withApp(logs: logs, refusalLogWindow: .zero) { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 7, externalID: "pred_1"))
            let started = #"{"id":"pred_1","status":"processing"}"#
            for (body, id) in [(started, "m1"), (started, "m1"), (started, "m2"), (WebhookRoutesTests.succeeded, "m1")] {
                #expect(try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: try WebhookRoutesTests.signed(body, id: id),
                                                 body: ByteBuffer(string: body)) { $0.status } == .ok)
            }
            #expect(try await store.job("j1")?.status == .processing, "the reused id's report decided nothing")
        }
        let warnings = logs.lines.withLock { $0 }.compactMap { JSONValue(jsonText: $0) }
            .filter { $0["message"] == .string("webhook id reused with another body") }
        #expect(warnings.count == 1, "only the other body under m1, not a retry or the same body under m2")
        #expect(warnings.first?["level"] == .string("warning") && warnings.first?["delivery_id"] == .string("m1"))
    }

    @Test func aThrottledLineSaysHowManyWereLeftOut() {
        let throttle = LogThrottle(windowLength: .seconds(10))
        let start = ContinuousClock.now
        #expect(throttle.admit("a", at: start) == 0)
        #expect(throttle.admit("a", at: start + .seconds(1)) == nil)
        #expect(throttle.admit("b", at: start + .seconds(1)) == 0, "another condition has its own window")
        #expect(throttle.admit("a", at: start + .seconds(9)) == nil)
        #expect(throttle.admit("a", at: start + .seconds(10)) == 2, "the next window's line counts the two left out")
        #expect(throttle.admit("a", at: start + .seconds(21)) == 0)
    }
}

/// Log lines a test's server wrote.
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])
}
