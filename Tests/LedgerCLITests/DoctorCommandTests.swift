import Foundation
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger doctor` as a real process: each finding names the command that addresses it.
@Suite struct DoctorCommandTests {
    @Test func anIncidentIsFoundWithTheCommandsThatAddressIt() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(clock: { clock.now }))
        // A silent webhook outage at wavespeed: a job completed by a poll, no webhook ever.
        _ = try await store.execute(Fixtures.register("j_polled", cost: 5, externalID: "w1", provider: "wavespeed"))
        _ = try await store.execute(.job(jobID: "j_polled", command: .poll(Fixtures.poll(.completed)), metadata: Fixtures.app))
        // A job stuck in processing, one never submitted, and an orphan nobody claims.
        _ = try await store.execute(Fixtures.register("j_stuck", cost: 5, externalID: "r1"))
        _ = try await store.execute(Fixtures.register("j_queued", cost: 5))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r_unknown", .completed, delivery: "d9")))
        // A status word the replicate profile does not know, twice.
        for delivery in ["d10", "d11"] {
            var paused = Fixtures.webhook("r1", .unknown, delivery: delivery)
            paused.rawStatus = "paused"
            _ = try await store.execute(Fixtures.deliver(paused))
        }
        let at = clock.now.adding(milliseconds: 3 * 3_600_000).iso8601

        let output = try await LedgerBinary.run(["doctor", "--db", path, "--at", at])
        #expect(output.status == 1, "findings exit 1: \(output.stdout)\(output.stderr)")
        for expected in ["[stuck] 1 processing jobs stuck", "ledger redrive --status processing --action poll",
                         "[stuck] 1 registered jobs stuck", "[orphans] 1 replicate webhooks", "ledger audit orphans",
                         "[silent-webhooks] wavespeed: no webhook since ever while polls completed 1 jobs",
                         "--provider wavespeed --action poll",
                         "[unknown-statuses] replicate sent status words its profile does not know: paused (2)",
                         "SELECT * FROM unknown_statuses WHERE provider = 'replicate'"] {
            #expect(output.stdout.contains(expected), "\(expected) in \(output.stdout)")
        }
        let json = try await LedgerBinary.run(["doctor", "--db", path, "--at", at, "--format", "json"])
        guard case .array(let findings)? = JSONValue(jsonText: json.stdout)?["findings"] else { Issue.record("not JSON: \(json.stdout)"); return }
        #expect(findings.count == 5 && findings.allSatisfy { $0["command"]?.stringValue?.hasPrefix("ledger ") == true })
    }

    /// The app's side of an incident: notifications it never accepted (dead
    /// letters) and ones still waiting past ten minutes, each with its command.
    @Test func notificationsTheAppNeverTookAreFound() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(clock: { clock.now }))
        try await StoreConformance.notificationsOfEveryStage(store)
        await store.close()
        let output = try await LedgerBinary.run(["doctor", "--db", path, "--at", clock.now.adding(milliseconds: 3_600_000).iso8601])
        #expect(output.status == 1, "findings exit 1: \(output.stdout)\(output.stderr)")
        for expected in ["[notifications] 2 notifications overdue by more than 10 minutes", "ledger notify --once",
                         "[dead-letters] 1 jobs with dead-lettered notifications", "--action notify"] {
            #expect(output.stdout.contains(expected), "\(expected) in \(output.stdout)")
        }
        let soon = try await LedgerBinary.run(["doctor", "--db", path, "--at", clock.now.adding(milliseconds: 60_000).iso8601])
        #expect(!soon.stdout.contains("overdue"), "a minute after queueing is not overdue: \(soon.stdout)")
    }

    /// A clock that stepped back (a bad NTP step): events are stamped at the
    /// head's time until the clock passes it, and the watchdog's ages wait. It
    /// was reported nowhere; the doctor names it (a minute's drift is no news).
    @Test func aClockBehindTheLogIsNamed() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let clock = ManualClock()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(clock: { clock.now }))
        _ = try await store.execute(Fixtures.register("j_future", cost: 5, externalID: "x-future"))
        await store.close()
        let behind = try await LedgerBinary.run(["doctor", "--db", path, "--at", clock.now.adding(milliseconds: -3_600_000).iso8601])
        #expect(behind.status == 1 && behind.stdout.contains("[clock] the log's last event is stamped \(clock.now.iso8601)"),
                "\(behind.stdout)\(behind.stderr)")
        let drift = try await LedgerBinary.run(["doctor", "--db", path, "--at", clock.now.adding(milliseconds: -30_000).iso8601])
        #expect(!drift.stdout.contains("[clock]"), "half a minute is drift: \(drift.stdout)")
    }

    /// A file made in no auto-vacuum mode keeps what retention frees: the
    /// doctor says so, and the command it gives, pasted into a shell, mends it.
    @Test func aFileThatCannotGiveSpaceBackIsNamedWithItsMend() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .completed, delivery: "d1")))
        try await StartupFaultTests.sqlite3(path, "PRAGMA auto_vacuum = NONE; VACUUM;")

        let output = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(output.status == 1 && output.stdout.contains("[storage] the database file has no auto-vacuum mode"), "\(output.stdout)\(output.stderr)")
        guard let command = output.stdout.split(separator: "\n").first(where: { $0.contains("PRAGMA auto_vacuum") })?
            .replacingOccurrences(of: "    -> ", with: "") else { Issue.record("no command in \(output.stdout)"); return }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", command]
        try shell.run()
        await shell.exited()
        #expect(shell.terminationStatus == 0, "\(command)")

        let mended = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(mended.status == 0 && mended.stdout.contains("nothing needs a look"), "\(mended.stdout)\(mended.stderr)")
    }

    /// On a log of many millions of events the walk takes minutes: in an
    /// incident `--skip-verify` leaves it out, says so, and still judges the rest.
    @Test func skipVerifyLeavesOutTheWalkAndSaysSo() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        await store.close()
        try await StartupFaultTests.sqlite3(path, "PRAGMA auto_vacuum = NONE; VACUUM; DROP TRIGGER events_refuse_delete;")
        let full = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(full.status == 1 && full.stdout.contains("[log]") && full.stdout.contains("[storage]"), "\(full.stdout)\(full.stderr)")
        let quick = try await LedgerBinary.run(["doctor", "--skip-verify", "--db", path])
        #expect(quick.status == 1 && !quick.stdout.contains("[log]") && quick.stdout.contains("[storage]"), "\(quick.stdout)\(quick.stderr)")
        try await StartupFaultTests.sqlite3(path, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
        let quiet = try await LedgerBinary.run(["doctor", "--skip-verify", "--db", path])
        #expect(quiet.status == 0 && quiet.stdout.contains("the log not verified: --skip-verify"), "\(quiet.stdout)\(quiet.stderr)")
    }

    /// Derived data gone wrong is rebuilt, not restored: a balance that differs
    /// from its credit events gives `ledger rebuild`, a wrong stored Merkle
    /// subtree `ledger rebuild --tree`, each on this ledger; pasted into a
    /// shell, they mend it.
    @Test func derivedDataIsMendedByARebuildNotARestore() async throws {
        let (path, _, _) = try await CheckpointCommandTests.checkpointedLedger(registrations: 20)
        try await StartupFaultTests.sqlite3(path, """
            UPDATE projection_accounts SET refunded = refunded + 1 WHERE account = 'acct_1';
            UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0;
            """)
        let output = try await LedgerBinary.run(["doctor", "--db", path])
        let database = " --db '\(path)'"
        for expected in ["balance differs from its credit events", "-> ledger rebuild\(database)",
                         "the stored Merkle subtree over positions 1-16 is not the one the chain gives", "-> ledger rebuild --tree\(database)"] {
            #expect(output.status == 1 && output.stdout.contains(expected), "\(expected) in \(output.stdout)\(output.stderr)")
        }
        #expect(!output.stdout.contains("restore"), "\(output.stdout)")
        for command in ["rebuild", "rebuild --tree"] {
            #expect(try await LedgerBinary.run(command.split(separator: " ").map(String.init) + ["--db", path]).status == 0)
        }
        let mended = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(mended.status == 0 && mended.stdout.contains("nothing needs a look"), "\(mended.stdout)\(mended.stderr)")
    }

    /// A log whose immutability trigger was dropped: doctor's command, a
    /// `ledger verify` with a note after it, names this ledger before the note
    /// (after it, a shell would run the verify on the default database).
    @Test func aCommandWithANoteNamesThisLedgerBeforeTheNote() async throws {
        let path = try await StartupFaultTests.ledger(withoutTrigger: "events_refuse_update")
        let output = try await LedgerBinary.run(["doctor", "--db", path])
        let line = try #require(output.stdout.split(separator: "\n").first { $0.contains("-> ledger verify") }, "\(output.stdout)")
        let command = try #require(line.components(separatedBy: "#").first)
        #expect(command.contains("--db '\(path)'"), "\(line)")
    }

    @Test func aHealthyLedgerHasNothingToSay() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", cost: 5, externalID: "r1"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("r1", .completed, delivery: "d1")))
        let output = try await LedgerBinary.run(["doctor", "--db", path])
        #expect(output.status == 0 && output.stdout.contains("nothing needs a look"), "\(output.stdout)\(output.stderr)")
    }
}
