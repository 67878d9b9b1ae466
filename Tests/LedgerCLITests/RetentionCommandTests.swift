import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger retain` on the demo log, and the database's own guard tried from
/// the raw `sqlite3` shell: the redaction is the one change allowed.
@Suite struct RetentionCommandTests {
    /// The demo log, retained; the answers of verify, rebuild --check,
    /// replay and the audit reports before and after.
    @Test func retainingTheDemoLogKeepsEveryAnswer() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let imported = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let reports = [["replay", "vid_002"], ["replay", "vid_003"], ["audit", "refunds"], ["audit", "orphans"], ["rebuild", "--check"]]
        var before: [String] = []
        for command in reports { before.append(try await LedgerBinary.run(command + ["--db", path]).stdout) }

        // Without --bodies-older-than: LEDGER_RETAIN_BODIES's age, else 30 days; `off` is a value every command takes.
        let dry = try await LedgerBinary.run(["retain", "--db", path, "--dry-run"], environment: ["LEDGER_RETAIN_BODIES": "1d"])
        #expect(dry.status == 0 && dry.stdout.contains("would redact 7 bodies"), "\(dry.stdout)\(dry.stderr)")
        let monthAgo = Timestamp(millisecondsSinceEpoch: Timestamp(Date()).millisecondsSinceEpoch - 30 * 86_400_000).iso8601.prefix(10)
        let byDefault = try await LedgerBinary.run(["retain", "--db", path, "--dry-run"])
        #expect(byDefault.status == 0 && byDefault.stdout.contains("recorded before \(monthAgo)"), "\(byDefault.stdout)\(byDefault.stderr)")
        // A policy that keeps every body is not overridden by the default: a redaction cannot be undone.
        let off = try await LedgerBinary.run(["retain", "--db", path, "--dry-run"], environment: ["LEDGER_RETAIN_BODIES": "off"])
        #expect(off.status == 2 && off.stderr.contains("--bodies-older-than"), "\(off.stdout)\(off.stderr)")
        let file = Fixtures.temporaryDatabasePath("retain.json")
        try #"{"retain_bodies": "1d"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try await LedgerBinary.run(["retain", "--db", path, "--dry-run", "--config", file])
        #expect(fromFile.stdout.contains("would redact 7 bodies"), "serve's configuration file: \(fromFile.stdout)\(fromFile.stderr)")
        let retained = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d", "--operator", "mira"])
        #expect(retained.status == 0 && retained.stdout.contains("redacted 7 bodies"), "\(retained.stdout)\(retained.stderr)")
        let again = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d"])
        #expect(again.status == 0 && again.stdout.contains("nothing to redact"), "idempotent: \(again.stdout)")

        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("7 webhook bodies redacted by 1 retention run,"), "verify names what was redacted: \(verify.stdout)")
        for (command, answer) in zip(reports, before) {
            let after = try await LedgerBinary.run(command + ["--db", path]).stdout
            // rebuild --check counts the retention.applied event too.
            if command[0] == "rebuild" { #expect(after.contains("projections match"), "\(after)"); continue }
            #expect(after == answer, "\(command) answers the same after retention")
        }
        for bad in ["x", "12", "-3d", "1y"] {
            let refused = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", bad])
            #expect(refused.status == 2 && refused.stderr.contains("--bodies-older-than"), "\(bad): \(refused.stderr)")
        }
        // Who ran it is recorded: a blank operator is refused as the API refuses one.
        let anonymous = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d", "--operator", "  "])
        #expect(anonymous.status == 2 && anonymous.stderr.contains("--operator is required"), "\(anonymous.stderr)")
    }

    /// `LEDGER_RETAIN_BODIES` inside `serve`: its retention service redacts
    /// what `ledger retain` would (as operator `serve`), once, and the log still verifies.
    @Test func serveRetainsBodiesOnItsOwnWithLedgerRetainBodies() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let imported = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_RETAIN_BODIES": "1d",
        ])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let store = try SQLiteEventStore(path: path)
        var runs: [StoredEvent] = []
        // Bounded: 30 s for the first round, which starts with the server.
        for _ in 0..<300 where runs.isEmpty {
            runs = try await store.events(inStream: RetentionRun.stream)
            if runs.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let run = runs.first.flatMap { JSONValue(jsonText: $0.data) }
        #expect(runs.count == 1 && run?["count"] == .int(7) && run?["operator"] == .string("serve"), "\(runs.map(\.data))")
        #expect(try await store.events(inStream: RetentionRun.stream).count == 1, "one run: the next round had nothing to redact")
        let retain = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d", "--dry-run"])
        #expect(retain.stdout.contains("nothing to redact"), "serve redacted what retain would: \(retain.stdout)")
        #expect(try await store.verify().isSound)
        await store.close()
    }

    /// Ninety days of a realistic ledger on a manual clock (the admin pages'
    /// 440 jobs from every built-in provider: refunds, late completions,
    /// orphans, dead letters, stuck jobs), its bodies older than 30 days
    /// retained: verify, rebuild --check, every audit report and the replay
    /// of jobs on both sides of the cutoff answer as before, and the admin
    /// timeline shows an old body as redacted and a recent one as it came.
    @Test func retainingMonthsOfEventsKeepsEveryAnswer() async throws {
        let path = try await AdminPagesBrowserTests.realisticLedger()
        let old = "job_0041", recent = "job_0420"
        let reports = [["replay", old], ["replay", recent], ["replay", old, "--format", "json"]]
            + ["refunds", "late-completions", "orphans", "conflicts", "stuck"].map { ["audit", $0, "--format", "json"] }
        var before: [String] = []
        for command in reports { before.append(try await LedgerBinary.run(command + ["--db", path]).stdout) }
        let webhooks = try await Self.count(path, "type = 'webhook.received'")

        let retained = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "30d"])
        #expect(retained.status == 0, "\(retained.stdout)\(retained.stderr)")
        let redacted = try await Self.count(path, "json_extract(data, '$.body') = '[redacted]'")
        #expect(redacted > 100 && redacted < webhooks, "the old bodies only: \(redacted) of \(webhooks)")

        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0, "\(verify.stdout)")
        let check = try await LedgerBinary.run(["rebuild", "--check", "--db", path])
        #expect(check.status == 0 && check.stdout.contains("projections match"), "\(check.stdout)")
        for (command, answer) in zip(reports, before) {
            let after = try await LedgerBinary.run(command + ["--db", path]).stdout
            // The JSON replay shows each event's data: an old body now reads
            // as redacted. Ages in the stuck report count from now.
            let expected = Self.replacing(#""body" : "(?:[^"\\]|\\.)*""#, with: #""body" : "[redacted]""#, in: answer)
            #expect(Self.replacing(#""age_s":\d+"#, with: "", in: after) == Self.replacing(#""age_s":\d+"#, with: "", in: expected),
                    "\(command) answers the same after retention")
        }

        let (server, port) = try await AdminPagesTests.serve(path)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        func timeline(_ job: String) async throws -> String {
            try await ServeProcessTests.curl(["-H", "Authorization: Bearer \(AdminPagesTests.admin)",
                                              "http://127.0.0.1:\(port)/admin/jobs/\(job)"]).output
        }
        let oldTimeline = try await timeline(old), recentTimeline = try await timeline(recent)
        #expect(oldTimeline.contains("webhook.received") && oldTimeline.contains("[redacted]"), "the old job's bodies are shown redacted")
        #expect(recentTimeline.contains("webhook.received") && !recentTimeline.contains("[redacted]"), "the recent job's bodies are kept")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
    }

    /// The trigger allows exactly the redaction: from the raw shell, every
    /// other UPDATE and DELETE of the log is refused, also a redaction that
    /// changes anything else; a redaction no retention run covers is then
    /// reported by verify at its position.
    @Test func theDatabaseAllowsTheRedactionAndNothingElse() async throws {
        let path = Fixtures.temporaryDatabasePath()
        _ = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        let webhook = try await Self.sqlite(path, "SELECT min(position) FROM events WHERE type = 'webhook.received'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let refused = [
            "UPDATE events SET data = json_set(data, '$.cost', 1) WHERE type = 'job.registered'",
            "UPDATE events SET data = json_set(data, '$.body', 'forged') WHERE position = \(webhook)",
            "UPDATE events SET data = json_set(data, '$.body', '[redacted]', '$.raw_status', 'failed') WHERE position = \(webhook)",
            "UPDATE events SET data = json_set(data, '$.body', '[redacted]'), recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = \(webhook)",
            "UPDATE events SET hash = prev_hash WHERE position = \(webhook)",
            "UPDATE events SET data = json_remove(data, '$.body') WHERE position = \(webhook)",
            "UPDATE events SET data = json_set(data, '$.body', json('null')) WHERE position = \(webhook)",
            "DELETE FROM events WHERE position = \(webhook)",
        ]
        for sql in refused {
            let output = try await Self.sqlite(path, sql)
            #expect(output.contains("append-only"), "refused: \(sql) → \(output)")
        }
        let verifyBefore = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verifyBefore.status == 0, "nothing changed: \(verifyBefore.stdout)")
        let allowed = try await Self.sqlite(path, "UPDATE events SET data = json_set(data, '$.body', '[redacted]') WHERE position = \(webhook)")
        #expect(!allowed.contains("append-only"), "the redaction form passes the guard: \(allowed)")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 1 && verify.stdout.contains("at position \(webhook)"), "no run covers it: \(verify.stdout)")
    }

    /// A redacted body changed later, by someone who can drop the guard, is
    /// named at its own position (retention recorded what it redacted it to),
    /// and a broken chain is reported without a head.
    @Test func aRedactedEventChangedLaterIsNamedAtItsOwnPosition() async throws {
        let path = Fixtures.temporaryDatabasePath()
        _ = try await LedgerBinary.run(["import", "--db", path, DemoLogTests.file.path])
        let retained = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "1d"])
        #expect(retained.status == 0, "\(retained.stderr)")
        let webhook = try await Self.sqlite(path, "SELECT max(position) FROM events WHERE type = 'webhook.received'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await Self.sqlite(path, """
            DROP TRIGGER events_refuse_update;
            UPDATE events SET data = replace(data, '"duplicate":false', '"duplicate":true') WHERE position = \(webhook);
            """)
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 1 && verify.stdout.contains("FAIL chain at position \(webhook): data is not what retention redacted it to"),
                "\(verify.stdout)")
        #expect(verify.stdout.contains("the chain breaks at position \(webhook)") && !verify.stdout.contains("head position 0"),
                "\(verify.stdout)")
    }

    /// Runs the `sqlite3` shell off the cooperative pool: blocking one of its
    /// two threads here starves the in-process servers of other tests.
    static func sqlite(_ path: String, _ sql: String) async throws -> String {
        try await offPool { try sqliteBlocking(path, sql) }
    }

    static func replacing(_ pattern: String, with replacement: String, in text: String) -> String {
        text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
    }

    /// The events `condition` holds for.
    static func count(_ path: String, _ condition: String) async throws -> Int {
        Int(try await sqlite(path, "SELECT count(*) FROM events WHERE \(condition)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    static func sqliteBlocking(_ path: String, _ sql: String) throws -> String {
        let result = try Spawn.run("/usr/bin/sqlite3", [path, sql])
        return result.output + result.errorOutput
    }

    /// `ledger retain` killed with SIGKILL in the middle of its run, while a
    /// `ledger serve` on the same file takes a storm of webhooks: the log
    /// verifies at once, nothing acknowledged is lost, and the next run
    /// finishes what the killed one started.
    @Test func aRetentionRunKilledMidwayUnderAStormLeavesALogThatVerifiesAndResumes() async throws {
        try await HeavyTests.one { try await aRetentionRunKilledMidwayUnderAStormLeavesALogThatVerifiesAndResumesHeavy() }
    }

    private func aRetentionRunKilledMidwayUnderAStormLeavesALogThatVerifiesAndResumesHeavy() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let old = 4_000
        do {
            // Months ago, on a manual clock: the bodies retention will redact.
            let clock = ManualClock(Timestamp(iso8601: "2026-06-01T10:00:00.000Z")!)
            var options = StoreOptions(clock: { clock.now })
            options.durability = .normal
            let store = try SQLiteEventStore(path: path, options: options)
            for job in 0..<20 { _ = try await store.execute(Fixtures.register("job_\(job)", cost: 10, externalID: "ext_\(job)")) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for index in stride(from: worker, to: old, by: 8) {
                            clock.advance(milliseconds: 1_000)
                            let webhook = Fixtures.webhook("ext_\(index % 20)", .processing, delivery: "old_\(index)")
                            _ = try await store.execute(Fixtures.deliver(webhook))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_PROVIDER_REPLICATE_SECRET": KillUnderStormTests.secret,
        ])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let session = URLSession(configuration: .ephemeral)
        let acknowledged = Shared<[String]>([])
        let stormEnds = Shared(ContinuousClock.now + .seconds(60))
        async let storm: Void = withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<2 {
                group.addTask {
                    var index = 0
                    // Bounded: until told to stop, 60 s at most.
                    while ContinuousClock.now < stormEnds.withLock({ $0 }) {
                        index += 1
                        let delivery = "new_\(worker)_\(index)"
                        let body = #"{"id":"ext_\#(index % 20)","status":"processing","n":\#(index)}"#
                        let answer = await SignedDelivery.send(id: delivery, body: body, port: port, timeout: 10, session: session)
                        if answer == 200 { acknowledged.withLock { $0.append(delivery) } }
                        try await Task.sleep(for: .milliseconds(20))  // paced: two shared cores
                    }
                }
            }
            try await group.waitForAll()
        }

        let retain = Process()
        retain.executableURL = LedgerBinary.url
        retain.arguments = ["retain", "--db", path, "--bodies-older-than", "30d"]
        retain.standardOutput = FileHandle.nullDevice
        retain.standardError = FileHandle.nullDevice
        try retain.run()
        // Killed as soon as its first steps are committed.
        let watchEnd = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < watchEnd {
            let redacted = try await Self.count(path, "json_extract(data, '$.body') = '[redacted]'")
            if redacted > 0 { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(retain.processIdentifier, SIGKILL)
        await retain.exited()
        let redactedAtKill = try await Self.count(path, "json_extract(data, '$.body') = '[redacted]'")
        #expect(redactedAtKill > 0, "the run started: \(redactedAtKill) of \(old) redacted")
        let midway = try await LedgerBinary.run(["verify", "--db", path])
        #expect(midway.status == 0, "a partly applied run verifies: \(midway.stdout)")
        // On a loaded machine the whole run can end between two of the watcher's sqlite3
        // reads (CI saw it once): then there is nothing to resume, and the rest is not checked.
        guard redactedAtKill < old else {
            stormEnds.withLock { $0 = .now }
            try await storm
            server.terminate()
            await server.exited()
            return
        }

        // A dry run counts what the interrupted run still has to redact, and changes nothing.
        let dry = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "30d", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would first finish an interrupted run: \(old - redactedAtKill) bodies"),
                "\(dry.stdout)\(dry.stderr)")
        #expect(try await Self.count(path, "json_extract(data, '$.body') = '[redacted]'") == redactedAtKill, "nothing redacted by it")

        let resumed = try await LedgerBinary.run(["retain", "--db", path, "--bodies-older-than", "30d"])
        #expect(resumed.status == 0 && resumed.stdout.contains("finished an interrupted run"), "\(resumed.stdout)\(resumed.stderr)")
        stormEnds.withLock { $0 = .now }
        try await storm
        server.terminate()
        await server.exited()

        let remaining = try await Self.sqlite(path, """
            SELECT count(*) FROM events WHERE type = 'webhook.received' AND json_extract(data, '$.delivery_id') LIKE 'old_%'
              AND json_extract(data, '$.body') != '[redacted]'
            """).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(remaining == "0", "every old body redacted after the resumed run")
        let runs = try await Self.sqlite(path, "SELECT count(*) FROM events WHERE type = 'retention.applied'").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(runs == "1", "one retention.applied for the run, resumed or not")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0, "\(verify.stdout)")
        let stored = Set(try await Self.sqlite(path, """
            SELECT json_extract(data, '$.delivery_id') FROM events WHERE type = 'webhook.received'
            """).split(separator: "\n").map(String.init))
        let lost = acknowledged.withLock { $0 }.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "acknowledged and lost: \(lost.prefix(5))")
        print("retention killed midway: \(redactedAtKill) of \(old) redacted at the kill, "
              + "\(acknowledged.withLock { $0.count }) deliveries acknowledged meanwhile")
    }
}
