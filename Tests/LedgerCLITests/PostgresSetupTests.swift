import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerTesting
import Testing

/// PostgreSQL set up as docs/postgres.md says, on a server with password
/// authentication, by the SQL in that document (read from it, so the two
/// cannot drift apart); then each mistake an operator makes in the first hour,
/// and what they now see.
@Suite struct PostgresSetupTests {
    @Test func theDocumentedSetUpServesAndEachMistakeIsSaidPlainly() async throws {
        try await HeavyTests.one { try await setUpAndMistakes() }
    }

    private func setUpAndMistakes() async throws {
        let server = try await offPool { try ThrowawayPostgres.startPrivate(passwordAuthentication: true) }
        let document = try String(contentsOfFile: Self.repository + "/docs/postgres.md", encoding: .utf8)
        for sql in try #require(DocumentedSQL.statements(in: document, after: "-- 1. as a superuser")) { try server.psql(sql) }
        // A production database has its extensions before the ledger arrives.
        try server.psql("CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pgcrypto", database: "ledger")
        let owner = server.url(database: "ledger", role: "ledger_owner", password: "owner-secret")
        let first = try await LedgerBinary.run(["verify", "--db", owner])
        #expect(first.status == 0, "the first open as the owner creates the tables beside the extensions: \(first.stderr)")
        #expect(!first.stderr.contains("hasn't been called"), "no stray client warning from a command: \(first.stderr)")
        for sql in try #require(DocumentedSQL.statements(in: document, after: "-- 2. as the owner")) {
            try server.psql("SET ROLE ledger_owner; " + sql, database: "ledger")
        }
        let service = server.url(database: "ledger", role: "ledger_service", password: "service-secret")
        let auditor = server.url(database: "ledger", role: "auditor", password: "auditor-secret")

        try await loginMistakesAreSaidWithinSeconds(server)
        try await servesIngestsAndAnswersTheAuditor(service: service, auditor: auditor, server: server)
        try await aDisabledTriggerComesWithTheSQLThatEnablesIt(owner: owner, server: server)
    }

    /// A wrong password, a missing database, no server: exit 3 within
    /// seconds, in the server's words, the URL without its password.
    private func loginMistakesAreSaidWithinSeconds(_ server: ThrowawayPostgres) async throws {
        let cases: [(url: String, says: String)] = [
            (server.url(database: "ledger", role: "ledger_service", password: "not-the-password-42"), "password authentication failed"),
            (server.url(database: "nowhere", role: "ledger_service", password: "service-secret"), "does not exist"),
            (server.url(database: "ledger", role: "nobody", password: "x"), "password authentication failed"),
            ("postgres://ledger_service:service-secret@/ledger?host=/nonexistent-socket-folder&port=5432", "not reachable"),
        ]
        for (url, says) in cases {
            let started = ContinuousClock.now
            let answer = try await LedgerBinary.run(["verify", "--db", url])
            let took = ContinuousClock.now - started
            #expect(answer.status == 3 && answer.stderr.contains(says), "\(says): \(answer.stderr)")
            #expect(answer.stderr.contains("cannot connect to postgres://"), "names the URL: \(answer.stderr)")
            #expect(!answer.stderr.contains("not-the-password-42") && !answer.stderr.contains("service-secret"), "no password")
            #expect(took < .seconds(15), "said within seconds, not after the pool gives up: \(took)")
        }
    }

    private func servesIngestsAndAnswersTheAuditor(service: String, auditor: String, server: ThrowawayPostgres) async throws {
        let port = ServeProcessTests.freePort()
        let errorLog = Fixtures.temporaryDatabasePath() + ".serve.log"
        let serve = try await ServeProcessTests.startServer(["--db", service, "--port", String(port)], port: port, environment: [
            "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_PROVIDER_REPLICATE_SECRET": SignedDelivery.secret,
        ], errorLog: errorLog)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGKILL) } }
        let session = URLSession(configuration: .ephemeral)
        let registered = try await ServeProcessTests.curl([
            "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(port)/v1/jobs",
            "-H", "Authorization: Bearer app-key-0123456789abcdef", "-H", "content-type: application/json",
            "-d", #"{"job_id":"j1","account":"a1","provider":"replicate","operation":"video","cost":10,"external_id":"pred_1"}"#])
        #expect(registered.output == "201", "registered as the service role")
        let body = #"{"id":"pred_1","status":"processing"}"#
        #expect(await SignedDelivery.send(id: "m1", body: body, port: port, timeout: 10, session: session) == 200)
        // A word the profile does not know: a doctor finding whose command names the database.
        let unknown = #"{"id":"pred_1","status":"exploded"}"#
        #expect(await SignedDelivery.send(id: "m0", body: unknown, port: port, timeout: 10, session: session) == 200)

        let query = try await LedgerBinary.run(["query", "--db", auditor, """
            SELECT job_id, registered_at::timestamptz AS at, DATE '2026-01-02' AS day, '\\xdead'::bytea AS bytes,
                   1.25::numeric AS amount, interval '1 day 02:03:04' AS span FROM jobs
            """, "--format", "csv"])
        #expect(query.status == 0, "the auditor reads: \(query.stderr) \(query.stdout)")
        #expect(query.stdout.contains("2026-01-02") && query.stdout.contains("\\xdead") && query.stdout.contains("1.25")
                && query.stdout.contains("1 days 02:03:04") && query.stdout.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#,
                                                                                   options: .regularExpression) != nil,
                "every type as text: \(query.stdout)")

        // A grant missing: a webhook is "retry later", never lost, and both /readyz and doctor name the grant.
        try server.psql("REVOKE INSERT ON events FROM ledger_service", database: "ledger")
        let refused = try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/readyz"])
        #expect(refused.output == "503", "not ready while the role cannot append")
        let status = await SignedDelivery.send(id: "m2", body: #"{"id":"pred_1","status":"succeeded","output":"x"}"#,
                                               port: port, timeout: 10, session: session)
        #expect(status == 503, "the database's refusal is not the provider's fault: \(String(describing: status))")
        let doctor = try await LedgerBinary.run(["doctor", "--db", service])
        #expect(doctor.stdout.contains("GRANT INSERT ON events TO ledger_service"), "names the grant: \(doctor.stdout)")
        #expect(doctor.stdout.contains(#"--db "$LEDGER_DB""#) && !doctor.stdout.contains("service-secret"),
                "commands without the password: \(doctor.stdout)")
        try server.psql("GRANT INSERT ON events TO ledger_service", database: "ledger")
        let retried = await SignedDelivery.send(id: "m2", body: #"{"id":"pred_1","status":"succeeded","output":"x"}"#,
                                                port: port, timeout: 10, session: session)
        #expect(retried == 200, "the provider's retry is stored once the grant is back")
        kill(serve.processIdentifier, SIGTERM)
        await serve.exited()
        let log = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
        #expect(!log.contains("service-secret"), "no password in the log")
        #expect(!log.contains("run() hasn't been called"), "no stray client warning")
    }

    private func aDisabledTriggerComesWithTheSQLThatEnablesIt(owner: String, server: ThrowawayPostgres) async throws {
        try server.psql("ALTER TABLE events DISABLE TRIGGER events_refuse_change", database: "ledger")
        let doctor = try await LedgerBinary.run(["doctor", "--db", owner])
        #expect(doctor.status == 1 && doctor.stdout.contains("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change"),
                "\(doctor.stdout)")
        #expect(!doctor.stdout.contains("restore"), "a disabled trigger is enabled again, not restored from a backup")
        try server.psql("ALTER TABLE events ENABLE ALWAYS TRIGGER events_refuse_change", database: "ledger")
        #expect(try await LedgerBinary.run(["verify", "--db", owner]).status == 0)
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
