import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerStore
import NIOCore

/// `/admin`: server-rendered pages for operators and auditors. An
/// admin or auditor key, as the usual bearer header or kept in a session
/// cookie after the login form. Every button is an API call that becomes an
/// `operator.action` (the re-drive form runs the same re-drive as the API).
struct AdminRoutes: Sendable {
    let services: LedgerServices
    let sessions: AdminSessions
    static let cookie = "ledger_session"

    func add(to router: Router<LedgerRequestContext>) {
        router.get("admin/assets/ledger.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: ByteBuffer(string: AdminAssets.css)))
        }
        router.get("admin/login") { request, _ in loginPage(error: nil, next: request.uri.queryParameters["next"].map(String.init)) }
        router.post("admin/login") { request, _ in try await sameOrigin(request) { try await login(request) } }
        router.post("admin/logout") { request, _ in try await sameOrigin(request) { logout(request) } }
        router.get("admin") { request, _ in try await authorized(request) { try await home() } }
        router.get("admin/jobs") { request, _ in try await authorized(request) { try await jobs(request) } }
        router.get("admin/jobs/:job_id") { request, context in
            try await authorized(request) { try await timeline(try context.pathParameter("job_id")) }
        }
        router.get("admin/stuck") { request, _ in
            try await authorized(request) {
                let stuck = ListPage.List.stuck(at: Timestamp(services.now()), policy: try await watchdogPolicy())
                return try await report(request, stuck, "Stuck jobs", "job", path: "stuck", jobColumn: "job_id",
                                        commands: ["ledger audit stuck"])
            }
        }
        router.get("admin/refunds") { request, _ in try await authorized(request) { try await refunds(request) } }
        router.get("admin/orphans") { request, _ in
            try await authorized(request) {
                try await report(request, .orphans, "Orphan webhooks (for no known job)", "webhook", path: "orphans",
                                 jobColumn: "adopted_job_id", commands: ["ledger audit orphans"])
            }
        }
        router.get("admin/deliveries") { request, _ in
            try await authorized(request) { try await deliveries(Self.parameters(request), message: nil, mayRedrive: role(request) == .admin) }
        }
        router.get("admin/accounts") { request, _ in try await authorized(request) { try await accounts() } }
        router.get("admin/providers") { request, _ in try await authorized(request) { try await providers() } }
        router.get("admin/dead-letters") { request, _ in
            try await authorized(request) { try await deadLetters(request, message: nil, mayRedrive: role(request) == .admin) }
        }
        router.post("admin/redrive") { request, _ in
            try await sameOrigin(request) { try await authorized(request, roles: [.admin]) { try await redrive(request) } }
        }
    }

    // MARK: Authentication

    private func role(_ request: Request) -> Role? {
        if let key = RequestSupport.bearerKey(request) { return services.keys.role(of: key) }
        return Self.sessionCookie(request).flatMap { sessions.role(of: $0, now: services.now()) }
    }

    private static func sessionCookie(_ request: Request) -> String? {
        guard let cookies = request.headers[.cookie] else { return nil }
        for pair in cookies.split(separator: ";") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == Self.cookie { return String(parts[1]) }
        }
        return nil
    }

    private func authorized(_ request: Request, roles: Set<Role> = [.admin, .auditor],
                            _ page: () async throws -> Response) async throws -> Response {
        guard let role = role(request) else {
            // The page asked for, its filters too: signing in comes back to it.
            let asked = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
            let next = asked.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return Response(status: .seeOther, headers: [.location: "/admin/login?next=\(next)"])
        }
        guard roles.contains(role) else {
            return HTML.page("Forbidden", "<p class=\"error\">This page needs the \(roles.map(\.rawValue).sorted().joined(separator: " or ")) role; your key has \(role.rawValue).</p>",
                             status: .forbidden)
        }
        return try await page()
    }

    private func loginPage(error: String?, next: String?) -> Response {
        HTML.page("Sign in", """
            \(error.map { "<p class=\"error\" role=\"alert\">\(HTML.escape($0))</p>" } ?? "")
            <form method="post" action="/admin/login"><input type="hidden" name="next" value="\(HTML.escape(Self.safeNext(next)))">
            <label>Admin or auditor key
            <input type="password" name="key" autocomplete="current-password" required autofocus></label>
            <button type="submit">Sign in</button></form>
            """, status: error == nil ? .ok : .unauthorized, signedIn: false)
    }

    private func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request, support: RequestSupport(services: services))
        guard let key = form["key"], let session = sessions.create(for: key, now: services.now()), session.role != .app else {
            return loginPage(error: "That key is not an admin or auditor key from LEDGER_KEYS.", next: form["next"])
        }
        return Response(status: .seeOther, headers: [
            .location: Self.safeNext(form["next"]),
            .setCookie: "\(Self.cookie)=\(session.cookie); \(Self.cookieAttributes(request)); Max-Age=\(Int(AdminSessions.lifetime))",
        ])
    }

    /// `body`'s answer for a post from the admin pages; 403 for one another page made a browser send.
    private func sameOrigin(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        if let refusal = SameOriginForms.refusal(request) { throw Problem(.forbidden, "Forbidden", detail: refusal) }
        return try await body()
    }

    /// Ends the session: the browser drops the cookie, and this node refuses it until it would have expired.
    private func logout(_ request: Request) -> Response {
        if let cookie = Self.sessionCookie(request) { sessions.end(cookie, now: services.now()) }
        return Response(status: .seeOther, headers: [
            .location: "/admin/login", .setCookie: "\(Self.cookie)=; \(Self.cookieAttributes(request)); Max-Age=0",
        ])
    }

    /// The session cookie's attributes; `Secure` when the browser reached the
    /// ledger over HTTPS (directly, or through a proxy that says so in
    /// `X-Forwarded-Proto`), so it is never sent again over plain HTTP. Over
    /// plain HTTP (a laptop, a loopback tunnel) a Secure cookie would not be kept.
    static func cookieAttributes(_ request: Request) -> String {
        let forwarded = request.headers[forwardedProto]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let secure = request.head.scheme?.lowercased() == "https" || forwarded == "https"
        return "Path=/admin; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }

    static let forwardedProto = HTTPField.Name("x-forwarded-proto")!

    /// Where to go after signing in: an admin page of this server only (never
    /// another site: no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/admin"), !next.contains("//"), !next.contains("\\"),
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else { return "/admin" }
        return next
    }

    /// `application/x-www-form-urlencoded` fields (the body limit applies).
    static func form(_ request: Request, support: RequestSupport) async throws -> [String: String] {
        guard let body = String(validating: try await support.body(request), as: UTF8.self), let fields = FormEncoding.fields(body) else {
            throw Problem.badRequest("the form is not application/x-www-form-urlencoded (a broken %-escape, or not UTF-8)")
        }
        return fields
    }

    // MARK: Pages

    private func home() async throws -> Response {
        let now = Timestamp(services.now())
        var answers: [(check: DoctorChecks, table: ReadTable)] = []
        for check in DoctorChecks.all(now: now, watchdog: try await watchdogPolicy()) {
            answers.append((check, try await table(check.model)))
        }
        let storage = try await RequestSupport(services: services).call { () async throws(StoreError) in try await services.health.storageFindings() }
        let page = AttentionPage(now: now, answers: answers, storageFindings: storage, jobsByStatus: try await table(.jobsByStatus))
        return HTML.page("Needs attention", page.html)
    }

    /// The watchdog's thresholds `serve` recorded, which the pages judge stuck jobs by.
    private func watchdogPolicy() async throws -> WatchdogPolicy {
        try await RequestSupport(services: services).call { () async throws(StoreError) in
            try await services.settings.recordedWatchdogPolicy()
        }
    }

    /// A job asked for by id goes to its timeline (`find`); otherwise the filtered list.
    private func jobs(_ request: Request) async throws -> Response {
        let parameters = Self.parameters(request)
        if let id = parameters["job_id"]?.trimmingCharacters(in: .whitespaces), !id.isEmpty {
            return try await find(id)
        }
        let list = JobListPage(parameters)
        let found = list.problems.isEmpty ? try await RequestSupport(services: services).call { () async throws(StoreError) in
            try await services.jobs.jobPage(list.filter, after: list.after, limit: JobListPage.pageSize)
        } : JobPage(jobs: [], nextAfter: nil)
        let terminal = HTML.terminal([#"ledger query "SELECT job_id, provider, status, registered_at FROM jobs ORDER BY job_id LIMIT 50""#,
                                      "ledger replay <job-id>"])
        return HTML.page("Jobs", list.html(found, providers: services.providers.profiles.keys.sorted(), now: Timestamp(services.now())) + terminal,
                         status: list.problems.isEmpty ? .ok : .badRequest)
    }

    /// The job with this id, or else the jobs whose provider's id it is (one
    /// index lookup per known provider): one goes straight to its timeline,
    /// several are listed, none is a 404 saying what was looked for.
    private func find(_ id: String) async throws -> Response {
        let support = RequestSupport(services: services)
        let job = try await support.call { () async throws(StoreError) in try await services.jobs.job(id) }
        var matches = job.map { [$0] } ?? []
        if matches.isEmpty {
            for provider in services.providers.profiles.keys.sorted() {
                matches += try await support.call { () async throws(StoreError) in
                    try await services.jobs.jobs(JobFilter(provider: provider, externalID: id), after: nil, limit: 1)
                }
            }
        }
        guard matches.count != 1 else {
            return Response(status: .seeOther, headers: [.location: HTML.jobPath(matches[0].jobID)])
        }
        guard !matches.isEmpty else {
            return HTML.page("No such job", "<p class=\"error\">No job has the id or provider's id \(HTML.escape(id)).</p>\(JobListPage.findForm)",
                             status: .notFound)
        }
        let rows: [[String?]] = matches.map { [$0.jobID, $0.provider, $0.status.rawValue, $0.registeredAt?.iso8601] }
        return HTML.page("Jobs", HTML.table(["job_id", "provider", "status", "registered_at"], rows,
                                            caption: "\(HTML.count(matches.count, "job")) with the provider's id \(id)",
                                            links: HTML.jobLinks(0), now: Timestamp(services.now()), empty: ""))
    }

    private func timeline(_ jobID: String) async throws -> Response {
        let found = try await RequestSupport(services: services).call { () async throws(StoreError) in
            try await services.history.replay(jobID: jobID, until: .none)
        }
        guard let timeline = found else {
            return HTML.page("No such job", "<p class=\"error\">No job \(HTML.escape(jobID)).</p>", status: .notFound)
        }
        return HTML.page("Job \(jobID)", TimelinePage(jobID: jobID, timeline: timeline, now: Timestamp(services.now())).html)
    }

    /// Each refund, linked to its job's timeline and to the event that caused it there.
    private func refunds(_ request: Request) async throws -> Response {
        let page = ListPage(.refunds, after: Self.after(request), limit: JobListPage.pageSize)
        let report = try await table(.page(page))
        // The evidence's type and time are on the timeline the link opens; the source says enough here.
        let kept = report.columns.indices.filter { !["evidence_type", "evidence_recorded_at"].contains(report.columns[$0]) }
        let columns = kept.map { report.columns[$0] }, rows = report.rows.map { row in kept.map { row[$0] } }
        let job = columns.firstIndex(of: "job_id") ?? 0
        func event(_ name: String) -> [Int: @Sendable ([String?]) -> String?] {
            guard let column = columns.firstIndex(of: name) else { return [:] }
            return [column: { row in row[job].flatMap { id in row[column].map { "\(HTML.jobPath(id))#event-\($0)" } } }]
        }
        let links = HTML.jobLinks(job).merging(event("refund_position")) { first, _ in first }.merging(event("evidence_position")) { first, _ in first }
        return HTML.page("Refunds and their evidence", HTML.table(
            columns, rows, caption: "\(Pager.caption(after: page.after)): \(HTML.count(rows.count, "refund")), each with the event that caused it",
            links: links, now: Timestamp(services.now()), empty: "no refund yet.")
            + Pager.html(path: "/admin/refunds", filters: [], after: page.after, next: page.next(after: report))
            + HTML.terminal(["ledger audit refunds"]))
    }

    private func report(_ request: Request, _ list: ListPage.List, _ title: String, _ noun: String, path: String,
                        jobColumn: String, commands: [String]) async throws -> Response {
        let page = ListPage(list, after: Self.after(request), limit: JobListPage.pageSize)
        let result = try await table(.page(page))
        let links = result.columns.firstIndex(of: jobColumn).map(HTML.jobLinks) ?? [:]
        return HTML.page(title, HTML.table(result.columns, result.rows, caption: "\(Pager.caption(after: page.after)): \(HTML.count(result.rows.count, noun))",
                                           links: links, now: Timestamp(services.now()), empty: "none, as of now.")
                         + Pager.html(path: "/admin/\(path)", filters: [], after: page.after, next: page.next(after: result))
                         + HTML.terminal(commands))
    }

    /// `mayRedrive`: the re-send form is shown to admins only (an auditor's post would be refused).
    private func deliveries(_ parameters: [String: String], message: String?, mayRedrive: Bool) async throws -> Response {
        let page = DeliveriesPage(parameters)
        let found = page.problems.isEmpty ? try await table(.page(page.list)) : ReadTable(columns: [], rows: [])
        let terminal = HTML.terminal([#"ledger query "SELECT * FROM notifications ORDER BY queued_at DESC LIMIT 50""#])
        return HTML.page("Deliveries to the app", page.html(found, message: message, now: Timestamp(services.now()), mayRedrive: mayRedrive)
                         + terminal,
                         status: page.problems.isEmpty ? .ok : .badRequest)
    }

    private static func parameters(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }) { first, _ in first }
    }

    /// The `after` of a paged list: the key of the last row of the page before.
    private static func after(_ request: Request) -> String? {
        request.uri.queryParameters["after"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    private func accounts() async throws -> Response {
        let result = try await table(.balances(limit: 500))
        return HTML.page("Accounts", HTML.table(result.columns, result.rows, caption: "Balances (credits)",
                                                       empty: "no account has been charged yet.")
                         + HTML.terminal([#"ledger query "SELECT * FROM accounts ORDER BY account""#]))
    }

    private func providers() async throws -> Response {
        let health = try await table(.providerHealth).decoded(as: ProviderHealthRow.self)
        let latency = try await table(.detectionLatencyByDay(limit: 5_000))
        let outcomes = try await table(.outcomesBySourceByDay(limit: 20_000))
        let lateness = try await table(.webhookLateness)
        let unknown = try await table(.unknownStatuses(seenFrom: nil, seenTo: nil))
        return HTML.page("Provider health", """
            \(ProviderHealthTable(health: health, now: Timestamp(services.now())).html)
            \(ProviderCharts(outcomes: outcomes, latency: latency).html)
            <div id="unknown">\(HTML.table(unknown.columns, unknown.rows, caption: "Status words a provider sent that its profile does not know (recorded as unknown: map them in the provider's status_map)",
                         now: Timestamp(services.now()), empty: "every status word a provider sent is known."))</div>
            \(HTML.table(lateness.columns, lateness.rows, caption: "Webhook lateness: seconds from a job's terminal fact to each later webhook",
                         empty: "no webhook has arrived after its job ended."))
            \(HTML.terminal([#"ledger query "SELECT * FROM provider_health""#, #"ledger query "SELECT * FROM unknown_statuses""#]))
            """)
    }

    /// Every job with a dead letter counts, not only the page shown (bounded).
    static let deadLetterJobsMax = 100_000

    private func deadLetters(_ request: Request?, message: String?, mayRedrive: Bool) async throws -> Response {
        let page = ListPage(.deadLetters, after: request.flatMap(Self.after), limit: JobListPage.pageSize)
        let result = try await table(.page(page))
        let jobs = try await deadLetteredJobs()
        let form = jobs.isEmpty ? "" : !mayRedrive ? "<p>Sending them again needs the admin role.</p>" : """
            <form method="post" action="/admin/redrive"><input type="hidden" name="action" value="notify">
            <input type="hidden" name="scope" value="dead-letters"><input type="hidden" name="expected" value="\(jobs.count)">
            <label>Your name <input name="operator" required></label>
            <label>Reason (recorded in operator.action) <input name="reason" required></label>
            <button type="submit">Send again to the app: \(HTML.count(jobs.count, "job"))</button></form>
            """
        return HTML.page("Dead letters", """
            \(message.map { "<p class=\"ok\" role=\"status\">\(HTML.escape($0))</p>" } ?? "")
            <p>\(HTML.count(jobs.count, "job")) \(jobs.count == 1 ? "has" : "have") notifications the app never accepted.</p>
            \(form)
            \(HTML.table(result.columns, result.rows, caption: "\(Pager.caption(after: page.after)): dead-lettered notifications",
                         links: result.columns.firstIndex(of: "job_id").map(HTML.jobLinks) ?? [:], now: Timestamp(services.now()),
                         empty: "none: the app accepted every notification or they are still being retried."))
            \(Pager.html(path: "/admin/dead-letters", filters: [], after: page.after, next: page.next(after: result)))
            \(HTML.terminal([#"ledger query "SELECT * FROM notifications WHERE stage = 'dead_lettered'""#,
                            "ledger redrive <job-id> --action notify --operator <you> --reason <why>"]))
            """)
    }

    private func deadLetteredJobs() async throws -> [String] {
        let all = try await table(.deadLetters(limit: Self.deadLetterJobsMax)).decoded(as: DeadLetter.self)
        return Array(Set(all.map(\.jobID))).sorted()
    }

    /// The re-drive forms: every dead letter (the count first: it must still
    /// match), or one job's from the deliveries page; a name and a reason required.
    private func redrive(_ request: Request) async throws -> Response {
        let form = try await Self.form(request, support: RequestSupport(services: services))
        guard let background = services.background else {
            return HTML.page("Re-drive", "<p class=\"error\">This server runs without background services.</p>", status: .conflict)
        }
        let operatorName = form["operator"] ?? "", reason = form["reason"] ?? ""
        if let problem = OperatorAccountability.problem(operatorName: operatorName, reason: reason) {
            return HTML.page("Re-drive", "<p class=\"error\">A re-drive needs your name and a reason: \(HTML.escape(problem)).</p>",
                             status: .badRequest)
        }
        guard form["action"] == "notify" else {
            return HTML.page("Re-drive", "<p class=\"error\">The admin pages re-drive notifications only.</p>", status: .badRequest)
        }
        func send(_ jobID: String) async throws -> RedriveAnswer {
            try await RequestSupport(services: services).write { () async throws(StoreError) in
                try await background.redrive(jobID: jobID, action: "notify", operatorName: operatorName, reason: reason)
            }
        }
        switch form["scope"] {
        case "job"?:
            guard let jobID = form["job_id"], !jobID.isEmpty else {
                return HTML.page("Re-drive", "<p class=\"error\">Which job? The form names none.</p>", status: .badRequest)
            }
            guard Identifier.problem(jobID, field: "job_id") == nil, SQLText.literal(jobID) != nil else {
                let why = Identifier.problem(jobID, field: "job_id") ?? "a backslash cannot be looked up from these pages"
                return HTML.page("Re-drive", "<p class=\"error\">Job \(HTML.escape(jobID.debugDescription)) is not re-driven from "
                                 + "here: \(HTML.escape(why)). <code>ledger redrive</code> takes any job id.</p>", status: .badRequest)
            }
            let message = switch try await send(jobID) {
            case .acted: "Queued again for job \(jobID); the notifier sends it on its next rounds."
            case .repeated: "Job \(jobID) was queued again already."
            case .notApplicable(let why): "Nothing sent again for job \(jobID): \(why)"
            }
            return try await deliveries(["job_id": jobID], message: message, mayRedrive: true)
        case "dead-letters"?:
            let jobs = try await deadLetteredJobs()
            guard String(jobs.count) == form["expected"] else {
                return try await deadLetters(nil, message: "The list changed since you looked (\(jobs.count) jobs now): check it and submit again.",
                                             mayRedrive: true)
            }
            var acted = 0
            for jobID in jobs {
                if try await send(jobID) == .acted { acted += 1 }
            }
            return try await deadLetters(nil, message: "Queued again for \(HTML.count(acted, "job")); the notifier sends them on its next rounds.",
                                         mayRedrive: true)
        default:
            return HTML.page("Re-drive", "<p class=\"error\">A re-drive form names its scope: dead-letters or job.</p>", status: .badRequest)
        }
    }

    /// A read model of the store, as the page's table.
    private func table(_ model: ReadModel) async throws -> ReadTable {
        try await RequestSupport(services: services).call { () async throws(StoreError) in try await services.readModels.table(model) }
    }
}
