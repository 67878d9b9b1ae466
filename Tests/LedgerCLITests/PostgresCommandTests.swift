import Foundation
import LedgerCore
import LedgerPostgres
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The `ledger` commands on a PostgreSQL ledger, as a user runs them: a
/// SQLite ledger moved over with export | import, then every reading command
/// answering as it does on the SQLite original.
@Suite struct PostgresCommandTests {
    /// A SQLite ledger with refunds, an orphan and an open job.
    func sqliteLedger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        var generator = SeededGenerator(seed: 7)
        for request in RandomWorkload(jobCount: 20).requests(using: &generator) { _ = try? await store.execute(request) }
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("nobody", .completed, delivery: "orphan-1")))
        return path
    }

    @Test func aLedgerMovesFromSQLiteToPostgresWithTheSameHeadAndAnswers() async throws {
        let sqlite = try await sqliteLedger()
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let postgres = server.url(database: database)
        let exported = try await LedgerBinary.run(["export", "--db", sqlite])
        #expect(exported.status == 0)
        let imported = try await LedgerBinary.run(["import", "--db", postgres], input: Data(exported.stdout.utf8))
        #expect(imported.status == 0, "\(imported.stderr)")

        for command in [["verify"], ["rebuild", "--check"], ["replay", "job_3"], ["audit", "refunds"], ["audit", "orphans"],
                        ["query", "SELECT job_id, status, refunded_amount FROM jobs ORDER BY job_id"],
                        ["query", "SELECT * FROM provider_health"], ["export"],
                        ["query", "SELECT job_id, cost, refunded_amount, status = 'failed' AS failed FROM jobs ORDER BY job_id", "--format", "json"],
                        ["audit", "refunds", "--format", "json"],
                        // An empty result still has its header (PostgreSQL printed an empty line).
                        ["query", "SELECT job_id FROM jobs WHERE 1 = 0", "--format", "csv"],
                        ["query", "SELECT job_id, status FROM jobs WHERE 1 = 0"]] {
            let onSQLite = try await LedgerBinary.run(command + ["--db", sqlite])
            let onPostgres = try await LedgerBinary.run(command + ["--db", command[0] == "query" ? try server.auditorURL(database: database) : postgres])
            #expect(onPostgres.status == 0 && onPostgres.status == onSQLite.status, "\(command): \(onPostgres.stderr)")
            #expect(onPostgres.stdout == onSQLite.stdout, "\(command) answers the same on both engines")
        }
        let again = try await LedgerBinary.run(["import", "--db", postgres], input: Data(exported.stdout.utf8))
        #expect(again.status == 1 && again.stderr.contains("line 1"), "an import that does not continue the chain is refused")
    }

    @Test func queryOnPostgresReadsAsAReaderAndRefusesWrites() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let exported = try await LedgerBinary.run(["export", "--db", try await sqliteLedger()])
        #expect(try await LedgerBinary.run(["import", "--db", server.url(database: database)], input: Data(exported.stdout.utf8)).status == 0)
        let asSuperuser = try await LedgerBinary.run(["query", "SELECT 1", "--db", server.url(database: database)])
        #expect(asSuperuser.status == 2 && asSuperuser.stderr.contains("superuser"))
        let postgres = try server.auditorURL(database: database)
        for hostile in ["DELETE FROM events", "UPDATE jobs SET status = 'failed'", "TRUNCATE events",
                        "SELECT 1; DELETE FROM events", "CREATE TABLE x (a int)", "SELECT set_config('role', 'ledger', true)",
                        "COPY (SELECT 1) TO PROGRAM 'true'", "SELECT pg_sleep(10)"] {
            let output = try await LedgerBinary.run(["query", hostile, "--db", postgres, "--timeout-ms", "500"])
            #expect(output.status == 2, "\(hostile): \(output.stdout) \(output.stderr)")
        }
        let count = try await LedgerBinary.run(["query", "SELECT count(*) AS events FROM events", "--db", postgres, "--format", "csv"])
        #expect(count.status == 0 && count.stdout.hasPrefix("events\n"))
    }

    /// The cron commands take the lease `serve` takes: while a node holds a
    /// service's lease, `ledger poll|watchdog|notify --once` does nothing and says
    /// so (two pollers would poll each job twice, two notifiers send twice); once
    /// the lease lapses, the command runs its round.
    @Test func aCronRoundWhileANodeHoldsTheLeaseDoesNothingAndSaysSo() async throws {
        let server = try ThrowawayPostgres.shared()
        let url = server.url(database: try server.newDatabaseName())
        let node = try await PostgresEventStore.open(url: url)
        _ = try await node.execute(Fixtures.register("cron"))
        for service in ["poller", "watchdog", "notifier"] {
            #expect(try await node.claimLease(service, holder: "a-serve-node", milliseconds: 120_000) != nil)
        }
        let environment = ["LEDGER_NOTIFY_URL": "http://127.0.0.1:9/hook", "LEDGER_ALLOW_PRIVATE_TARGETS": "true",
                           "LEDGER_NOTIFY_SECRET": "whsec_" + Data(repeating: 1, count: 24).base64EncodedString()]
        for (command, service) in [("poll", "poller"), ("watchdog", "watchdog"), ("notify", "notifier")] {
            let held = try await LedgerBinary.run([command, "--once", "--db", url], environment: environment)
            #expect(held.status == 0 && held.stdout.contains("another process holds the \(service) lease"),
                    "\(command): \(held.stdout)\(held.stderr)")
        }
        // The holder's last renewal, for a millisecond: the lease lapses.
        _ = try await node.claimLease("watchdog", holder: "a-serve-node", milliseconds: 1)
        await node.close()
        try await Task.sleep(for: .milliseconds(50))
        let lapsed = try await LedgerBinary.run(["watchdog", "--once", "--db", url])
        #expect(lapsed.status == 0 && lapsed.stdout.contains("watchdog: 1 open jobs"), "\(lapsed.stdout)\(lapsed.stderr)")
    }

    /// A standby (here: `default_transaction_read_only`, what a standby
    /// enforces) answers every read command; it used to refuse all of them,
    /// since each open granted on the tables. A write says the server is
    /// read-only; a ledger that needs creating says to open it on the primary.
    @Test func aReadOnlyServerAnswersTheReadCommands() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let postgres = server.url(database: database)
        let exported = try await LedgerBinary.run(["export", "--db", try await sqliteLedger()])
        #expect(try await LedgerBinary.run(["import", "--db", postgres], input: Data(exported.stdout.utf8)).status == 0)
        let auditor = try server.auditorURL(database: database)
        try server.psql("ALTER DATABASE \(database) SET default_transaction_read_only = on")
        for command in [["verify"], ["replay", "job_3"], ["audit", "refunds"], ["export"], ["doctor"]] {
            let answer = try await LedgerBinary.run(command + ["--db", postgres])
            // doctor's 1 is its findings (the workload leaves stuck jobs); every other command answers 0.
            #expect(answer.status == 0 || (command == ["doctor"] && answer.status == 1), "\(command): \(answer.stderr)")
            #expect(!answer.stderr.contains("25006"), "\(command): \(answer.stderr)")
        }
        let query = try await LedgerBinary.run(["query", "SELECT count(*) AS n FROM jobs", "--db", auditor])
        #expect(query.status == 0, "\(query.stderr)")
        let write = try await LedgerBinary.run(["watchdog", "--once", "--db", postgres], environment: ["LEDGER_DEADLINE": "1s"])
        #expect(write.status != 0 && write.stderr.contains("read-only (a standby") && write.stderr.contains("primary"),
                "\(write.stdout)\(write.stderr)")
        let empty = try server.newDatabaseName()
        try server.psql("ALTER DATABASE \(empty) SET default_transaction_read_only = on")
        let nothing = try await LedgerBinary.run(["verify", "--db", server.url(database: empty)])
        #expect(nothing.status == 3 && nothing.stderr.contains("holds no ledger: open it once on the primary"), "\(nothing.stderr)")
    }

    /// A first open by a role that may not create the tables names who should open it.
    @Test func aFirstOpenByTheServiceRoleSaysToOpenItAsTheOwner() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        try server.psql("DO $$ BEGIN CREATE ROLE first_open_service LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
        let url = server.url(database: database).replacingOccurrences(of: "postgres://\(server.user)@", with: "postgres://first_open_service@")
        let answer = try await LedgerBinary.run(["verify", "--db", url])
        #expect(answer.status == 3 && answer.stderr.contains("(42501)") && answer.stderr.contains("run it as their owner"), "\(answer.stderr)")
        #expect(!answer.stderr.contains("sender's retry"), "not a webhook's write: \(answer.stderr)")
    }

    /// A database whose commits are not durable is refused, naming where the
    /// setting comes from and the statement that mends it there.
    @Test func aDatabaseWithoutDurableCommitsIsRefusedWithWhereToMendIt() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        try server.psql("ALTER DATABASE \(database) SET synchronous_commit = off")
        let answer = try await LedgerBinary.run(["verify", "--db", server.url(database: database)])
        #expect(answer.status != 0 && answer.stderr.contains("synchronous_commit = off, set by the database setting")
                && answer.stderr.contains("ALTER DATABASE <db> RESET synchronous_commit"), "\(answer.stderr)")
    }

    /// A statement_timeout far too low for the ledger fails every statement:
    /// the answer says where to look, not only "retry later". It is read
    /// before anything else is sent (under load, a 1 ms timeout was once
    /// reported on the statement after it as "user request", 73 s later).
    /// (1 ms may stop the first statement itself: then the timeout's own
    /// words carry the advice.)
    @Test(arguments: [("1ms", "statement_timeout is too low for the ledger"),
                      ("500ms", "statement_timeout is 500 ms, set by the database setting")])
    func aTinyStatementTimeoutIsNamed(setting: String, named: String) async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        try server.psql("ALTER DATABASE \(database) SET statement_timeout = '\(setting)'")
        let answer = try await LedgerBinary.run(["verify", "--db", server.url(database: database)])
        #expect(answer.status != 0 && answer.stderr.contains(named) && answer.stderr.contains("statement_timeout is too low for the ledger")
                && answer.stderr.contains("RESET statement_timeout"), "\(answer.stderr)")
        try server.psql("ALTER DATABASE \(database) RESET statement_timeout")
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: database)
                    .trimmingCharacters(in: .whitespacesAndNewlines) == "0", "nothing is migrated")
    }

    /// An operator's usual guard (seconds) is no obstacle.
    @Test func aStatementTimeoutOfSecondsIsKept() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        try server.psql("ALTER DATABASE \(database) SET statement_timeout = '30s'")
        let answer = try await LedgerBinary.run(["verify", "--db", server.url(database: database)])
        #expect(answer.status == 0, "\(answer.stderr)")
    }

    /// A real hot standby (`pg_basebackup -R`, streaming): in recovery it
    /// refuses `LISTEN`, which a read-only setting does not; each command
    /// reconnected its listener every second, saying so on standard error.
    @Test func aStreamingStandbyAnswersTheReadCommandsQuietly() async throws {
        try await HeavyTests.one {
            let primary = try await offPool { try ThrowawayPostgres.startPrivate() }
            try primary.psql("CREATE DATABASE replicated")
            let exported = try await LedgerBinary.run(["export", "--db", try await sqliteLedger()])
            #expect(try await LedgerBinary.run(["import", "--db", primary.url(database: "replicated")], input: Data(exported.stdout.utf8)).status == 0)
            let standby = try await offPool { try ThrowawayPostgres.startStandby(of: primary) }
            let events = try primary.psql("SELECT count(*) FROM events", database: "replicated")
            let caughtUp = ContinuousClock.now + .seconds(30)
            while (try? standby.psql("SELECT count(*) FROM events", database: "replicated")) != events, ContinuousClock.now < caughtUp {
                try await Task.sleep(for: .milliseconds(200))
            }
            let url = standby.url(database: "replicated")
            for command in [["verify"], ["replay", "job_3"], ["audit", "refunds"], ["export"]] {
                let answer = try await LedgerBinary.run(command + ["--db", url])
                #expect(answer.status == 0, "\(command): \(answer.stderr)")
                #expect(!answer.stderr.contains("reconnect") && !answer.stderr.contains("25006") && !answer.stderr.contains("warning"),
                        "\(command): \(answer.stderr)")
            }
            let write = try await LedgerBinary.run(["watchdog", "--once", "--db", url], environment: ["LEDGER_DEADLINE": "1s"])
            #expect(write.status != 0 && write.stderr.contains("read-only (a standby"), "\(write.stdout)\(write.stderr)")
            try? standby.stop()
            try? primary.stop()
        }
    }
}
