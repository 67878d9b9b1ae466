import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Every admin list pages (50 rows, then "Next page" after the last row
/// shown), and the deliveries page lists attempts across jobs by outcome,
/// job and day. In-process, over a real SQLite file written 3 hours ago.
@Suite struct AdminListPagesTests {
    static let admin: HTTPFields = [.authorization: "Bearer admin-key-0123456789abcdef"]

    /// 55 of each: refunds, never-submitted (stuck) jobs, orphans; 55
    /// attempts, one delivered and 54 dead-lettered.
    static func ledger() async throws -> SQLiteEventStore {
        let past = Timestamp(Date()).adding(milliseconds: -3 * 3_600_000)
        var options = StoreOptions(clock: { past })
        options.notificationsEnabled = true
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath(), options: options)
        for index in 0..<55 {
            let job = String(format: "job_%02d", index)
            _ = try await store.execute(Fixtures.register(job, cost: 3, externalID: "x-\(job)"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-\(job)", .failed, delivery: "d-\(job)")))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x-nobody-\(index)", .completed, delivery: "o-\(job)")))
            _ = try await store.execute(Fixtures.register(String(format: "waiting_%02d", index), cost: 1))
            let queued = try await store.events(inStream: "job-\(job)").filter { $0.type == "notification.queued" }
                .compactMap { JSONValue(jsonText: $0.data)?["notification_id"]?.stringValue }
            #expect(queued.count == 2, "the failure and the refund are queued")
            for id in queued.prefix(1) {
                let answer = index == 0 ? 204 : 503
                _ = try await store.execute(.job(jobID: job, command: .notification(.attempted(
                    notificationID: id, httpStatus: answer, error: answer == 204 ? nil : "the app answered 503", attemptsMax: 1,
                    latencyMilliseconds: 120)), metadata: Fixtures.app))
            }
        }
        return store
    }

    func withPages(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let store = try await Self.ledger()
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys))
        try await Application(router: buildRouter(services)).test(.router) { client in try await test(client) }
    }

    static func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, String) {
        try await client.execute(uri: uri, method: .get, headers: admin) { ($0.status, String(buffer: $0.body)) }
    }

    /// The rows of the page's table and its "Next page" link, if any.
    static func rows(_ html: String) -> Int { html.components(separatedBy: "<tr").count - 2 }
    static func next(_ html: String) -> String? {
        guard let link = html.range(of: #"<a href="([^"]+)" rel="next">"#, options: .regularExpression) else { return nil }
        return String(html[link].dropFirst(9).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test(arguments: ["/admin/refunds", "/admin/stuck", "/admin/orphans", "/admin/dead-letters", "/admin/deliveries?outcome=dead-lettered"])
    func aListOf55ShowsFiftyThenTheRest(_ path: String) async throws {
        try await withPages { client in
            let (status, first) = try await Self.get(client, path)
            #expect(status == .ok && Self.rows(first) == 50 && first.contains("First page: "), "\(path): \(Self.rows(first)) rows")
            let next = try #require(Self.next(first), "\(path) links its next page")
            let (_, second) = try await Self.get(client, next)
            #expect(Self.rows(second) == (path.contains("dead") ? 4 : 5) && Self.next(second) == nil && second.contains(">First page</a>"),
                    "\(next): \(Self.rows(second)) rows")
        }
    }

    /// Beside each view, the `ledger` command that shows the same from a terminal.
    @Test func everyPageNamesTheCommandThatShowsTheSameFromATerminal() async throws {
        try await withPages { client in
            for (path, command) in [("/admin/jobs", "FROM jobs"), ("/admin/jobs/job_00", "ledger replay job_00"),
                                    ("/admin/stuck", "ledger audit stuck"), ("/admin/refunds", "ledger audit refunds"),
                                    ("/admin/orphans", "ledger audit orphans"), ("/admin/deliveries", "FROM notifications"),
                                    ("/admin/dead-letters", "stage = &#39;dead_lettered&#39;"), ("/admin/accounts", "FROM accounts"),
                                    ("/admin/providers", "FROM provider_health"), ("/admin", "ledger ")] {
                let (status, html) = try await Self.get(client, path)
                #expect(status == .ok && html.contains("The same from a terminal") || path == "/admin", "\(path)")
                #expect(html.contains("<pre class=\"command\">") && html.contains(command), "\(path) names \(command)")
            }
        }
    }

    /// An auditor reads the dead letters but is not offered forms that would be refused.
    @Test func anAuditorIsNotOfferedTheRedriveForms() async throws {
        try await withPages { client in
            let auditor: HTTPFields = [.authorization: "Bearer auditor-key-0123456789abcd"]
            for path in ["/admin/dead-letters", "/admin/deliveries?job_id=job_07"] {
                let asAuditor = try await client.execute(uri: path, method: .get, headers: auditor) { String(buffer: $0.body) }
                let (_, asAdmin) = try await Self.get(client, path)
                #expect(asAdmin.contains("action=\"/admin/redrive\""), "\(path)")
                #expect(!asAuditor.contains("action=\"/admin/redrive\"") && asAuditor.contains("dead"), "\(path): \(asAuditor)")
            }
        }
    }

    @Test func deliveriesShowTheAppsAnswerFilteredByOutcomeJobAndDay() async throws {
        try await withPages { client in
            let (_, all) = try await Self.get(client, "/admin/deliveries")
            #expect(all.contains("Deliveries to the app") && all.contains("newest first") && all.contains("App took (ms)") && all.contains("App answered"))
            let (_, delivered) = try await Self.get(client, "/admin/deliveries?outcome=delivered")
            #expect(Self.rows(delivered) == 1 && delivered.contains("204") && delivered.contains("120"), "the one the app accepted")
            let (_, one) = try await Self.get(client, "/admin/deliveries?job_id=job_07")
            #expect(Self.rows(one) == 1 && one.contains("the app answered 503") && one.contains("/admin/jobs/job_07#event-"))
            #expect(one.contains("Send this job&#39;s dead letters again") || one.contains("Send this job's dead letters again"), "the re-send form")
            let day = String(Timestamp(Date()).adding(milliseconds: -3 * 3_600_000).iso8601.prefix(10))
            let (_, tomorrowOn) = try await Self.get(client, "/admin/deliveries?from=2999-01-01")
            #expect(Self.rows(tomorrowOn) < 1 && tomorrowOn.contains("no attempt matches"))
            let (_, onTheDay) = try await Self.get(client, "/admin/deliveries?from=\(day)&to=\(day)&outcome=dead-lettered")
            #expect(Self.rows(onTheDay) == 50 && Self.next(onTheDay)?.removingPercentEncoding?.contains("from=\(day)") == true, "by day, the filter kept in the next page's link")
            for bad in ["outcome=lost", "from=yesterday", "job_id=a%5Cb"] {
                let (status, page) = try await Self.get(client, "/admin/deliveries?\(bad)")
                #expect(status == .badRequest && page.contains("role=\"alert\""), "\(bad) is said plainly")
            }
        }
    }

    @Test func aResendOnAServerWithoutBackgroundServicesIsRefused() async throws {
        try await withPages { client in
            func post(_ form: String) async throws -> HTTPResponse.Status {
                var headers = Self.admin
                headers[.contentType] = "application/x-www-form-urlencoded"
                return try await client.execute(uri: "/admin/redrive", method: .post, headers: headers, body: ByteBuffer(string: form)) { $0.status }
            }
            let status = try await post("action=notify&scope=job&job_id=job_07&operator=&reason=app+back")
            #expect(status == .conflict, "no background services in this server: said before anything else")
        }
    }
}
