import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Every admin page over a ledger with realistic data (hundreds of jobs from
/// every built-in provider over ninety days: completions by webhook and by
/// poll, failures and refunds, stuck jobs, orphans, dead letters, unknown
/// status words, a provider whose webhooks went quiet), opened in headless
/// Chromium at 1280 and 390 pixels wide: no element reaches past the
/// viewport, no text is below WCAG AA contrast, and each page's screenshot is
/// written to `artifacts/screenshots/` (and to `docs/screenshots/` with
/// `LEDGER_WRITE_DOCS=1`).
@Suite(.serialized) struct AdminPagesBrowserTests {
    static let providers = ["replicate", "wavespeed", "nca", "standard"]

    /// 400 jobs over the 90 days before now, then a last day in which nca's
    /// jobs end only by poll (its webhooks stopped) and some of replicate's
    /// stay processing (stuck; the older ones the watchdog fails when serve starts).
    static func realisticLedger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let now = Timestamp(Date())
        let clock = ManualClock(now.adding(milliseconds: -92 * 86_400_000))
        var options = StoreOptions(clock: { clock.now })
        options.notificationsEnabled = true
        options.durability = .normal
        let store = try SQLiteEventStore(path: path, options: options)
        for index in 0..<400 {
            clock.advance(milliseconds: 86 * 86_400_000 / 400)
            let provider = providers[index % providers.count]
            try await job(store, index, provider: provider, outcome: index % 10, clock: clock)
        }
        for index in 0..<20 {
            let webhook = Fixtures.webhook("lost_\(index)", .completed, delivery: "orphan_\(index)", provider: providers[index % 4])
            _ = try await store.execute(Fixtures.deliver(webhook))
        }
        clock.advance(milliseconds: now.adding(milliseconds: -86_400_000).millisecondsSinceEpoch - clock.now.millisecondsSinceEpoch)
        for index in 400..<440 {
            clock.advance(milliseconds: 1_800_000)
            let provider = providers[index % providers.count]
            try await job(store, index, provider: provider, outcome: provider == "nca" ? 5 : index % 8 == 0 ? 8 : 0, clock: clock)
        }
        return path
    }

    /// One job: 0–4 completed by webhook, 5 by poll, 6 failed by webhook and
    /// refunded, 7 failed by the watchdog and refunded, 8 still processing,
    /// 9 completed with its notification dead-lettered (an unknown status word
    /// first). A job ended by poll is only ever polled.
    static func job(_ store: SQLiteEventStore, _ index: Int, provider: String, outcome: Int, clock: ManualClock) async throws {
        let jobID = "job_\(String(format: "%04d", index))", externalID = "\(provider)_\(index)"
        _ = try await store.execute(Fixtures.register(jobID, cost: Int64(5 + index % 46), externalID: externalID, provider: provider,
                                                      account: "acct_\(index % 12)"))
        clock.advance(milliseconds: 20_000 + Int64(index % 7) * 15_000)
        if outcome == 5 {
            _ = try await store.execute(.job(jobID: jobID, command: .poll(Fixtures.poll(.processing)), metadata: Fixtures.app))
        } else {
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, .processing, delivery: "\(jobID)_p", provider: provider)))
        }
        clock.advance(milliseconds: 60_000 + Int64(index % 11) * 40_000)
        switch outcome {
        case 5: _ = try await store.execute(.job(jobID: jobID, command: .poll(Fixtures.poll(.completed, attempt: 2)), metadata: Fixtures.app))
        case 6: _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, .failed, delivery: "\(jobID)_f", provider: provider)))
        case 7:
            let look = WatchdogDecision(decision: .fail, reason: "no terminal status before the deadline", ageSeconds: 90_000, thresholdSeconds: 86_400)
            _ = try await store.execute(.job(jobID: jobID, command: .watchdog(look), metadata: Fixtures.app))
        case 8: break
        case 9:
            var paused = Fixtures.webhook(externalID, .unknown, delivery: "\(jobID)_u", provider: provider)
            paused.rawStatus = "paused_for_review"
            _ = try await store.execute(Fixtures.deliver(paused))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, .completed, delivery: "\(jobID)_c", provider: provider)))
            if let queued = try await store.foldedJob(jobID)?.notifications.keys.first {
                let attempt = NotificationCommand.attempted(notificationID: queued, httpStatus: 503, error: "the app answered 503", attemptsMax: 1,
                                                            latencyMilliseconds: 830)
                _ = try await store.execute(.job(jobID: jobID, command: .notification(attempt), metadata: Fixtures.app))
            }
        default:
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook(externalID, .completed, delivery: "\(jobID)_c", provider: provider,
                                                                          outputs: .array([.string("https://cdn.example/\(jobID).mp4")]))))
        }
    }

    static let pages = [
        ("/admin", "attention"), ("/admin/jobs", "jobs"), ("/admin/jobs?status=failed&provider=replicate", "jobs-filtered"),
        ("/admin/jobs/job_0006", "job-timeline"), ("/admin/providers", "provider-health"), ("/admin/stuck", "stuck"),
        ("/admin/dead-letters", "dead-letters"), ("/admin/orphans", "orphans"), ("/admin/refunds", "refunds"),
        ("/admin/accounts", "accounts"), ("/admin/deliveries", "deliveries"),
    ]

    @Test func everyPageFitsBothWidthsIsReadableAndIsPhotographed() async throws {
        let path = try await Self.realisticLedger()
        let (server, port) = try await AdminPagesTests.serve(path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let attention = try await Self.fetch(base, "/admin")
        #expect(!attention.contains("<strong class=\"count\">0</strong> stuck jobs"), "some are stuck")
        for expected in ["stuck jobs", "jobs with dead letters", "orphan webhooks waiting", "nca: no webhook since", "ledger redrive"] {
            #expect(attention.contains(expected), "the front page says \(expected)")
        }
        // 20 failed by their webhook, 20 left processing and failed by serve's
        // watchdog in its first round (which may still be going: wait for it).
        var jobs = ""
        for _ in 0..<60 {
            jobs = try await Self.fetch(base, "/admin/jobs?status=failed&provider=replicate")
            if jobs.contains("First page: 40 jobs") { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(jobs.contains("First page: 40 jobs (status failed, provider replicate)"), "filtered")
        #expect(!jobs.contains("data-label=\"Provider\">wavespeed<"), "only replicate's")
        let next = try await Self.fetch(base, "/admin/jobs?after=job_0049")
        #expect(next.contains("job_0050") && !next.contains(">job_0049<") && next.contains("rel=\"next\""), "the second page")
        let refunds = try await Self.fetch(base, "/admin/refunds")
        #expect(refunds.contains("/admin/jobs/job_0006#event-"), "a refund links to the event that caused it")
        let providers = try await Self.fetch(base, "/admin/providers")
        #expect(providers.contains("nca: how jobs ended") && providers.contains("class=\"grid\""), "charts with axes")

        var write = [Self.artifacts]
        if ProcessInfo.processInfo.environment["LEDGER_WRITE_DOCS"] == "1" { write.append(AdminPagesTests.root.appendingPathComponent("docs/screenshots")) }
        for folder in write { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for (page, stem) in Self.pages {
            let html = try await Self.fetch(base, page)
            for width in [1280, 390] {
                let check = try await Self.check(html, base: base, width: width)
                #expect(check.wide.isEmpty, "\(page) at \(width) px: wider than the viewport: \(check.wide)")
                #expect(check.lowContrast.isEmpty, "\(page) at \(width) px: below AA contrast: \(check.lowContrast)")
                let shot = Self.artifacts.appendingPathComponent("\(stem)-\(width).png")
                try await AdminPagesTests.screenshot(base: base, page: page, width: width, to: shot.path)
                let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
                #expect(size > 5_000, "\(stem)-\(width).png is a real screenshot (\(size) bytes)")
                for folder in write.dropFirst() {
                    let copy = folder.appendingPathComponent(shot.lastPathComponent)
                    try? FileManager.default.removeItem(at: copy)
                    try FileManager.default.copyItem(at: shot, to: copy)
                }
            }
        }
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }

    static let artifacts = AdminPagesTests.root.appendingPathComponent("artifacts/screenshots")

    static func fetch(_ base: String, _ page: String) async throws -> String {
        try await ServeProcessTests.curl(["-s", "-H", "Authorization: Bearer \(AdminPagesTests.admin)", base + page]).output
    }

    struct Check: Decodable {
        var wide: [String]
        var lowContrast: [String]
    }

    /// Opens the page's HTML (stylesheet from the server) in Chromium at
    /// `width` with the test's measuring script, and reads what it found.
    static func check(_ html: String, base: String, width: Int) async throws -> Check {
        let page = html.replacingOccurrences(of: "<head>", with: "<head><base href=\"\(base)/admin/\">")
            .replacingOccurrences(of: "</body>", with: "<script>\(measuring)</script></body>")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString).html")
        try page.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let dom = try await offPool {
            let browser = Process()
            browser.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
            browser.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),900",
                                 "--virtual-time-budget=3000", "--dump-dom", file.absoluteString]
            let output = Pipe()
            browser.standardOutput = output
            browser.standardError = FileHandle.nullDevice
            try browser.run()
            let pid = browser.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + 60) { if browser.isRunning { kill(pid, SIGKILL) } }
            let data = output.fileHandleForReading.readDataToEndOfFile()
            browser.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        guard let start = dom.range(of: "<pre id=\"check\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return Check(wide: ["the measuring script did not run: \(dom.prefix(200))"], lowContrast: [])
        }
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Check.self, from: Data(json.utf8))
    }

    /// Elements reaching past the viewport (those moved far off screen on
    /// purpose, like the skip link, end left of it), and text whose contrast
    /// with its background is under 4.5:1 (3:1 for large text).
    static let measuring = """
        addEventListener('load', () => {
          const viewport = document.documentElement.clientWidth, wide = [], low = [];
          const name = e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '') + ' "' + (e.textContent || '').trim().slice(0, 30) + '"';
          const rgb = text => (text.match(/[0-9.]+/g) || [0, 0, 0, 0]).map(Number);
          const luminance = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
            .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
          const background = e => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
          for (const e of document.querySelectorAll('body *')) {
            const r = e.getBoundingClientRect();
            if (r.width > 0 && r.right > 0 && r.right > viewport + 1) wide.push(name(e) + ' ends at ' + Math.round(r.right));
            if (e.closest('svg') || r.width === 0) continue;
            const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!text) continue;
            const style = getComputedStyle(e), size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
            const a = luminance(rgb(style.color)), b = luminance(background(e));
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < (size >= 24 || (bold && size >= 18.66) ? 3 : 4.5)) low.push(name(e) + ' ' + ratio.toFixed(2));
          }
          const out = document.createElement('pre');
          out.id = 'check';
          out.textContent = JSON.stringify({ wide: wide.slice(0, 12), lowContrast: low.slice(0, 12) });
          document.body.appendChild(out);
        });
        """
}
