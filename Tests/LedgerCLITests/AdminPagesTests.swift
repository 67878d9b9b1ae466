import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The admin pages on a real `ledger serve`: the timeline and provider
/// health show the facts, the pages need an admin or auditor key, and a
/// re-drive submitted from the dead-letters page lands as an
/// `operator.action` with its reason. (Every page in a real browser, over
/// realistic data: ``AdminPagesBrowserTests``.)
@Suite(.serialized) struct AdminPagesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let admin = "admin-key-0123456789abcdef"

    /// j1 completed by a webhook, its notification dead-lettered; j2 failed by the watchdog and
    /// refunded; j3 completed by a poll.
    static func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        var options = StoreOptions()
        options.notificationsEnabled = true
        let store = try SQLiteEventStore(path: path, options: options)
        _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "r1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .processing, delivery: "d0")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .completed, delivery: "d1",
                                                                      outputs: .array([.string("https://cdn.example/1.mp4")]))))
        let queued = try #require(try await store.foldedJob("j1")?.notifications.keys.first)
        let attempt = NotificationCommand.attempted(notificationID: queued, httpStatus: 503, error: "the app answered 503", attemptsMax: 1)
        _ = try await store.execute(.job(jobID: "j1", command: .notification(attempt), metadata: Fixtures.app))
        _ = try await store.execute(Fixtures.register("j2", cost: 25, externalID: "r2"))
        let look = WatchdogDecision(decision: .fail, reason: "no terminal status before the deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
        _ = try await store.execute(.job(jobID: "j2", command: .watchdog(look), metadata: Fixtures.app))
        _ = try await store.execute(Fixtures.register("j3", cost: 5, externalID: "r3"))
        _ = try await store.execute(.job(jobID: "j3", command: .poll(Fixtures.poll(.completed)), metadata: Fixtures.app))
        return path
    }

    static func serve(_ path: String) async throws -> (Process, Int) {
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_NOTIFY_URL": "http://127.0.0.1:9/hooks",
            "LEDGER_NOTIFY_SECRET": "whsec_" + Data("an-app-secret-0123456789".utf8).base64EncodedString(),
            "LEDGER_ALLOW_PRIVATE_TARGETS": "true", "LEDGER_NOTIFY_SCHEDULE": "1h",
        ])
        return (server, port)
    }

    @Test func theTimelineAndHealthPagesShowTheFacts() async throws {
        let path = try await Self.ledger()
        let (server, port) = try await Self.serve(path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let timeline = try await ServeProcessTests.curl(["-H", "Authorization: Bearer \(Self.admin)", base + "/admin/jobs/j1"]).output
        for expected in ["webhook.received", "status processing → completed", "notification.dead_lettered", "<table>"] {
            #expect(timeline.contains(expected), "\(expected)")
        }
        let health = try await ServeProcessTests.curl(["-H", "Authorization: Bearer \(Self.admin)", base + "/admin/providers"]).output
        #expect(health.contains("<svg") && health.contains("Mean time from registration to the outcome") && health.contains("replicate"))
        #expect(health.contains("Webhook lateness") && health.contains("Poll share"))
        #expect(!health.contains("<script"), "no JavaScript on the pages")
        let css = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code} %{content_type}", base + "/admin/assets/ledger.css"]).output
        #expect(css.hasPrefix("200 text/css"))

        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }

    /// What a customer or a provider's dashboard quotes finds the job: its
    /// id, or the provider's id for it (listed when two providers share it).
    @Test func aJobIsFoundByItsIdOrByTheProvidersId() async throws {
        let path = try await Self.ledger()
        do {
            let store = try SQLiteEventStore(path: path)
            _ = try await store.execute(Fixtures.register("j4", externalID: "shared", provider: "replicate"))
            _ = try await store.execute(Fixtures.register("j5", externalID: "shared", provider: "wavespeed"))
        }
        let (server, port) = try await Self.serve(path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        func find(_ id: String) async throws -> String {
            try await ServeProcessTests.curl(["-H", "Authorization: Bearer \(Self.admin)", "-w", "\n%{http_code} %{redirect_url}",
                                              "http://127.0.0.1:\(port)/admin/jobs?job_id=\(id)"]).output
        }
        #expect(try await find("j1").hasSuffix("303 http://127.0.0.1:\(port)/admin/jobs/j1"))
        #expect(try await find("r3").hasSuffix("303 http://127.0.0.1:\(port)/admin/jobs/j3"), "the provider's id of one job")
        let shared = try await find("shared")
        #expect(shared.contains("2 jobs with the provider&#39;s id shared") || shared.contains("2 jobs with the provider's id shared"), "\(shared)")
        #expect(shared.contains("/admin/jobs/j4") && shared.contains("/admin/jobs/j5") && shared.hasSuffix("200 "))
        let none = try await find("%3Cb%3Enope")
        #expect(none.contains("No job has the id or provider") && none.contains("&lt;b&gt;nope") && none.hasSuffix("404 "), "\(none)")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }

    @Test func pagesNeedAnAdminOrAuditorKeyAndARedriveFromThePageIsRecorded() async throws {
        let path = try await Self.ledger()
        let (server, port) = try await Self.serve(path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let anonymous = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", base + "/admin/stuck"]).output
        #expect(anonymous.hasPrefix("303 ") && anonymous.contains("/admin/login?next="))
        let app = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer app-key-0123456789abcdef",
                                              base + "/admin"]).output
        #expect(app == "403")
        let wrong = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", "-d", "key=nope", base + "/admin/login"]).output
        #expect(wrong == "401")

        let jar = path + ".cookies"
        let login = try await ServeProcessTests.curl(["-c", jar, "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                                                "-d", "key=\(Self.admin)&next=%2Fadmin%2Fdead-letters", base + "/admin/login"]).output
        #expect(login.hasPrefix("303 ") && login.hasSuffix("/admin/dead-letters"))
        let escape = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{redirect_url}", "-d", "key=\(Self.admin)&next=%2F%2Fevil.example",
                                                 base + "/admin/login"]).output
        #expect(escape.hasSuffix("/admin"), "no open redirect")
        let page = try await ServeProcessTests.curl(["-b", jar, base + "/admin/dead-letters"]).output
        #expect(page.contains("1 job has notifications the app never accepted"))
        let noReason = try await ServeProcessTests.curl(["-b", jar, "-o", "/dev/null", "-w", "%{http_code}",
                                                   "-d", "action=notify&scope=dead-letters&expected=1&operator=alice&reason=", base + "/admin/redrive"]).output
        #expect(noReason == "400", "a reason is required")
        // A job id these pages cannot look up: the answer says why, not "the form names none".
        for (id, why) in [("a%5Cb", "a backslash"), ("a%20b", "printable ASCII without spaces"), ("", "names none")] {
            let answer = try await ServeProcessTests.curl(["-b", jar, "-w", "%{http_code}",
                                                     "-d", "action=notify&scope=job&job_id=\(id)&operator=alice&reason=x", base + "/admin/redrive"]).output
            #expect(answer.hasSuffix("400") && answer.contains(why), "\(id): \(answer)")
        }
        let done = try await ServeProcessTests.curl(["-b", jar, "-d", "action=notify&scope=dead-letters&expected=1&operator=alice&reason=app+back+INC-12",
                                               base + "/admin/redrive"]).output
        #expect(done.contains("Queued again for 1 job;"), "\(done)")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()

        let store = try SQLiteEventStore(path: path)
        let events = try await store.events(inStream: "job-j1")
        let action = try #require(events.last { $0.type == "operator.action" })
        #expect(action.data.contains("app back INC-12") && action.data.contains("alice") && action.data.contains("notify"))
        #expect(events.filter { $0.type == "notification.queued" }.count == 2, "queued again after the dead letter")
    }

    /// Signs in through the login form in a local page (the only script is the
    /// test's own), then lets Chromium land on `page` and screenshot it.
    static func screenshot(base: String, page: String, width: Int, to path: String) async throws {
        let html = """
            <form id="f" method="post" action="\(base)/admin/login"><input name="key" value="\(admin)">
            <input name="next" value="\(page)"></form><script>document.getElementById('f').submit()</script>
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("login-\(UUID().uuidString).html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        let browser = Process()
        browser.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        browser.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),\(width > 600 ? 900 : 1600)",
                             "--virtual-time-budget=5000", "--screenshot=\(path)", file.absoluteString]
        browser.standardOutput = FileHandle.nullDevice
        browser.standardError = FileHandle.nullDevice
        try browser.run()
        let pid = browser.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if browser.isRunning { kill(pid, SIGKILL) } }
        await browser.exited()
    }
}
