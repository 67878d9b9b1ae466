import Crypto
import Foundation
import GRDB
import LedgerCore
import LedgerPostgres
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite(.serialized) struct CommandTests {
    /// A ledger where job j failed and was refunded, and job k is open.
    func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j", cost: 10, externalID: "x"))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .processing, delivery: "d0")))
        _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("x", .failed, delivery: "d1")))
        _ = try await store.execute(Fixtures.register("k", cost: 5))
        return path
    }

    @Test(arguments: ["replay", "rebuild", "verify", "query", "export", "import", "serve", "sign", "poll", "watchdog", "notify", "redrive", "audit", "doctor", "checkpoint"])
    func everyCommandHasHelpWithAnExample(_ command: String) async throws {
        let output = try await LedgerBinary.run([command, "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("Example"))
    }

    /// An operator tells builds apart: the release and each engine's newest schema migration.
    @Test func versionNamesTheReleaseAndTheSchemas() async throws {
        let output = try await LedgerBinary.run(["--version"])
        #expect(output.status == 0 && output.stdout.contains(SQLiteEventStore.schemaVersion)
                && output.stdout.contains(PostgresEventStore.schemaVersion) && output.stdout.contains("SQLite schema v"), "\(output.stdout)")
        // serve says the same in its metrics, for comparing nodes.
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", Fixtures.temporaryDatabasePath(), "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": ServeProcessTests.keys])
        defer { kill(server.processIdentifier, SIGKILL) }
        let metrics = try await ServeProcessTests.curl(["http://127.0.0.1:\(port)/metrics"]).output
        let version = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(metrics.contains("ledger_build_info{version=\"\(version)\"} 1"), "\(metrics.suffix(300))")
    }

    @Test func theRootHelpDocumentsExitCodes() async throws {
        let output = try await LedgerBinary.run(["--help"])
        #expect(output.status == 0 && output.stdout.contains("2 usage error"))
    }

    @Test(arguments: [["replay"], ["replay", "j", "--as-of", "yesterday"], ["replay", "j", "--position", "0"],
                      ["rebuild", "--nonsense"], ["frobnicate"], ["query"], ["export", "--after", "-1"]])
    func usageErrorsExitWith2(_ arguments: [String]) async throws {
        let output = try await LedgerBinary.run(arguments)
        #expect(output.status == 2, "\(arguments): \(output.stderr)")
        #expect(!output.stderr.isEmpty)
    }

    /// A usage mistake is answered in words a user can act on, never a
    /// decoder's internals or "not an error".
    @Test(arguments: [(["query", " "], "give one SQL statement"), (["import", "/nonexistent/export.jsonl"], "/nonexistent/export.jsonl: no such file")])
    func aUsageMistakeIsNamed(_ arguments: [String], _ expected: String) async throws {
        let output = try await LedgerBinary.run(arguments + ["--db", Fixtures.temporaryDatabasePath()])
        #expect(output.status == 2 && output.stderr.contains(expected), "\(output.stderr)")
    }

    @Test func aLineThatIsNotAnExportedEventIsNamedInWords() async throws {
        let output = try await LedgerBinary.run(["import", "--db", Fixtures.temporaryDatabasePath()], input: Data("garbage\n".utf8))
        #expect(output.status == 1 && output.stderr.contains("line 1") && output.stderr.contains("the line is not valid JSON")
                && !output.stderr.contains("DecodingError"), "\(output.stderr)")
        let object = try await LedgerBinary.run(["import", "--db", Fixtures.temporaryDatabasePath()], input: Data("{\"position\":1}\n".utf8))
        #expect(object.status == 1 && object.stderr.contains("missing field"), "\(object.stderr)")
    }

    @Test func aMissingDatabaseExitsWith3AndSaysWhere() async throws {
        let output = try await LedgerBinary.run(["verify", "--db", "/nonexistent/ledger.sqlite"])
        #expect(output.status == 3 && output.stderr.contains("/nonexistent/ledger.sqlite"))
    }

    @Test func replayShowsEachEventWithTheStateAfterIt() async throws {
        let path = try await ledger()
        let output = try await LedgerBinary.run(["replay", "j", "--db", path])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "job j: 5 events")
        #expect(lines.contains { $0.contains("job.failed") && $0.contains("source=webhook") })
        #expect(lines.last?.hasPrefix("    -> status=failed source=webhook cost=10 refunded=10") == true)
    }

    /// What an on-call reads a timeline for is on its line: a poll's HTTP
    /// status and error, who acted and why (they showed `raw_status=` only).
    @Test func replayShowsAPollsAnswerAndWhoActed() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("p", cost: 10, externalID: "x"))
        let throttled = PollResult(attempt: 1, reportedStatus: .unknown, rawStatus: "", error: "the status API answered 503",
                                   httpStatus: 503)
        _ = try await store.execute(.job(jobID: "p", command: .poll(throttled), metadata: Fixtures.app))
        let action = OperatorAction(operatorName: "oncall", action: "poll", reason: "INC-8")
        _ = try await store.execute(.job(jobID: "p", command: .reevaluate(action), metadata: Fixtures.app))
        await store.close()
        let output = try await LedgerBinary.run(["replay", "p", "--db", path])
        #expect(output.stdout.contains("poll.result  reported_status=unknown raw_status= http_status=503 error=the status API answered 503"),
                "\(output.stdout)")
        #expect(output.stdout.contains("operator=oncall action=poll reason=INC-8"), "\(output.stdout)")
    }

    @Test func replayAsJSONHasTheDocumentedShape() async throws {
        let path = try await ledger()
        let output = try await LedgerBinary.run(["replay", "j", "--db", path, "--format", "json", "--position", "2"])
        #expect(output.status == 0)
        let document = try #require(JSONValue(jsonText: output.stdout))
        #expect(document["job_id"] == .string("j"))
        guard case .array(let timeline) = document["timeline"] else { Issue.record("no timeline"); return }
        #expect(timeline.count == 2)
        #expect(timeline[1]["event"]?["type"] == .string("webhook.received"))
        #expect(timeline[1]["state"]?["status"] == .string("processing"))
        #expect(document["state"]?["status"] == .string("processing"))
        #expect(document["state"]?["refunded_amount"] == .int(0))
    }

    @Test func replayOfAnUnknownJobExitsWith1() async throws {
        let output = try await LedgerBinary.run(["replay", "nope", "--db", try await ledger()])
        #expect(output.status == 1 && output.stderr.contains("no job nope"))
        // Asked about before its registration, the job was not there then (as the API's 404 says).
        let before = try await LedgerBinary.run(["replay", "j", "--as-of", "2020-01-01T00:00:00Z", "--db", try await ledger()])
        #expect(before.status == 1 && before.stderr.contains("job j did not exist yet then"), "\(before.stdout)\(before.stderr)")
        let future = try await LedgerBinary.run(["replay", "j", "--position", "1000", "--db", try await ledger()])
        #expect(future.status == 1 && future.stderr.contains("position 1000 is past the log's head") && future.stdout.isEmpty,
                "\(future.stdout)\(future.stderr)")
    }

    @Test func verifyPassesThenCatchesAModifiedRowInACopy() async throws {
        let path = try await ledger()
        #expect(try await LedgerBinary.run(["verify", "--db", path]).status == 0)
        let copy = Fixtures.temporaryDatabasePath("copy.sqlite")
        try DatabaseQueue(path: path).backup(to: DatabaseQueue(path: copy))
        try await DatabaseQueue(path: copy).write { db in
            try db.execute(sql: "DROP TRIGGER events_refuse_update")
            try db.execute(sql: "UPDATE events SET data = json_set(data, '$.amount', 99) WHERE type = 'credit.refunded'")
        }
        let output = try await LedgerBinary.run(["verify", "--db", copy])
        #expect(output.status == 1)
        #expect(output.stdout.contains("FAIL chain at position 5"))
        #expect(output.stdout.contains("trigger events_refuse_update is missing"))
        #expect(output.stderr.contains("first bad position 5"))
    }

    @Test func rebuildCheckPassesAfterARandomWorkload() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(durability: .normal))
        var generator = SeededGenerator(seed: 99)
        for request in RandomWorkload(jobCount: 30).requests(using: &generator) { _ = try? await store.execute(request) }
        let check = try await LedgerBinary.run(["rebuild", "--check", "--db", path])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(check.stdout.hasPrefix("projections match a rebuild from"))
        #expect(try await LedgerBinary.run(["rebuild", "--db", path]).status == 0)
        try await DatabaseQueue(path: path).write { try $0.execute(sql: "DELETE FROM projection_jobs WHERE job_id = 'job_3'") }
        let damaged = try await LedgerBinary.run(["rebuild", "--check", "--db", path])
        #expect(damaged.status == 1 && damaged.stdout.contains("projection_jobs: 0 rows only live, 1 only rebuilt (first: job_3)"))
    }

    @Test func queryReadsAndRefusesWrites() async throws {
        let path = try await ledger()
        let csv = try await LedgerBinary.run(["query", "SELECT job_id, status, refunded_amount FROM jobs ORDER BY job_id", "--db", path, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout == "job_id,status,refunded_amount\nj,failed,10\nk,registered,0\n")
        let write = try await LedgerBinary.run(["query", "DELETE FROM events", "--db", path])
        #expect(write.status == 2 && write.stderr.contains("refused"), "a refused statement is a usage error")
        // A blob as PostgreSQL shows bytea; text whole, a NUL inside it too.
        let cells = try await LedgerBinary.run(["query", "SELECT x'00ff10' AS hash, 'a' || char(0) || 'b' AS text", "--db", path,
                                                "--format", "csv"])
        #expect(cells.status == 0 && cells.stdout == "hash,text\n\\x00ff10,a\u{0}b\n", "\(cells.stdout.debugDescription)")
        // JSON types a column of numbers (a number column's NULL stays null); ids that look like numbers stay text;
        // a column named twice is kept twice (the second as a_2).
        let json = try await LedgerBinary.run(["query", "SELECT job_id, refunded_amount, refunded_amount / 4.0 AS quarter, '7' AS seven, "
                                               + "NULL AS absent, 1 AS a, 2 AS a FROM jobs ORDER BY job_id", "--db", path, "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        guard case .array(let rows)? = JSONValue(jsonText: json.stdout), rows.count == 2 else { Issue.record("\(json.stdout)"); return }
        #expect(rows[0]["refunded_amount"] == .int(10) && rows[0]["quarter"] == .double(2.5) && rows[1]["refunded_amount"] == .int(0),
                "\(json.stdout)")
        #expect(rows[0]["job_id"] == .string("j") && rows[0]["seven"] == .string("7") && rows[0]["absent"] == .null
                && rows[0]["a"] == .int(1) && rows[0]["a_2"] == .int(2), "\(json.stdout)")
    }

    @Test func exportThenImportRebuildsTheSameLedger() async throws {
        let path = try await ledger()
        let exported = try await LedgerBinary.run(["export", "--db", path])
        #expect(exported.status == 0 && exported.stderr.contains("exported 6 events"))
        let file = Fixtures.temporaryDatabasePath("all.jsonl")
        try exported.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let target = Fixtures.temporaryDatabasePath("imported.sqlite")
        let imported = try await LedgerBinary.run(["import", "--db", target, file])
        #expect(imported.status == 0 && imported.stdout == "imported 6 events\n")
        #expect(try await LedgerBinary.run(["verify", "--db", target]).status == 0)
        let again = try await LedgerBinary.run(["import", "--db", target, file])
        // The file starts inside the log (an export taken before it moved on): said so, with what to export.
        #expect(again.status == 1 && again.stderr.contains("line 1") && again.stderr.contains("ledger export --after 6"),
                "\(again.stderr)")
        // Or another log's (a fork: a backup restored and grown apart): said too, with what to compare.
        #expect(again.stderr.contains("a fork of this one") && again.stderr.contains("ledger export --after 0 | head -1"), "\(again.stderr)")
    }

    /// `export --after N` continues a move: the log's first N events, then the rest after N,
    /// imported in two steps, give the same head as the whole log (N at a point where the
    /// first part keeps every invariant: import checks them, a failure without its refund
    /// is refused).
    @Test func exportAfterAPositionContinuesAnEarlierExport() async throws {
        let path = try await ledger()
        let whole = try await LedgerBinary.run(["export", "--db", path]).stdout.split(separator: "\n").map(String.init)
        let rest = try await LedgerBinary.run(["export", "--db", path, "--after", "5"])
        let restLines = rest.stdout.split(separator: "\n").map(String.init)
        #expect(rest.status == 0 && restLines == Array(whole.dropFirst(5)) && restLines.count == 1, "\(rest.stdout)\(rest.stderr)")
        let target = Fixtures.temporaryDatabasePath("in-two-steps.sqlite")
        for part in [whole.prefix(5).joined(separator: "\n"), rest.stdout] {
            let imported = try await LedgerBinary.run(["import", "--db", target], input: Data((part + "\n").utf8))
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let original = try await LedgerBinary.run(["verify", "--db", path]).stdout
        let moved = try await LedgerBinary.run(["verify", "--db", target]).stdout
        #expect(original == moved && original.contains("head position 6"), "\(original)\n\(moved)")
    }

    @Test func signReproducesTheStandardWebhooksTestVector() async throws {
        let output = try await LedgerBinary.run(["sign", "--provider", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                           "--id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "--timestamp", "1614265330"],
                                          input: Data(#"{"test": 2432232314}"#.utf8))
        #expect(output.status == 0)
        #expect(output.stdout.contains("webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
        let unknown = try await LedgerBinary.run(["sign", "--provider", "acme", "--secret", "whsec_AAAA"])
        #expect(unknown.status == 2)
    }

    /// WaveSpeed's `v3`: the hex HMAC-SHA256 of `id.timestamp.body` keyed with
    /// the secret's text after `whsec_` (not base64-decoded), computed here.
    @Test func signPrintsWaveSpeedsOwnSignatureBesideTheToken() async throws {
        let body = #"{"id":"ws_1","status":"completed","outputs":["https://cdn.example/a.png"],"error":""}"#
        let output = try await LedgerBinary.run(["sign", "--provider", "wavespeed", "--secret", "wavespeed-token-0123456789",
                                                 "--signing-secret", "whsec_wavespeed-signing-secret-1", "--id", "wh_1",
                                                 "--timestamp", "1800000000", "--url", "http://127.0.0.1:9"],
                                                input: Data(body.utf8))
        let key = SymmetricKey(data: Data("wavespeed-signing-secret-1".utf8))
        let expected = HMAC<SHA256>.authenticationCode(for: Data("wh_1.1800000000.\(body)".utf8), using: key)
            .map { String(format: "%02x", $0) }.joined()
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("POST http://127.0.0.1:9/v1/webhooks/wavespeed?token=wavespeed-token-0123456789"))
        #expect(output.stdout.contains("webhook-signature: v3,\(expected)"), "\(output.stdout) vs \(expected)")
        let short = try await LedgerBinary.run(["sign", "--provider", "wavespeed", "--signing-secret", "whsec_short"], input: Data())
        #expect(short.status == 2 && short.stderr.contains("--signing-secret"), "\(short.stderr)")
    }

    @Test func serveRefusesAnInvalidSettingWithOneLineNamingIt() async throws {
        for (variable, value) in [("LEDGER_PORT", "99999"), ("LEDGER_DURABILITY", "sometimes"), ("LEDGER_MAX_BODY", "lots"),
                                  ("LEDGER_IDLE_TIMEOUT", "forever"), ("LEDGER_KEYS", "root:short"),
                                  ("LEDGER_PROVIDER_REPLICATE_SECRET", "not-a-secret")] {
            let output = try await LedgerBinary.run(["serve", "--db", Fixtures.temporaryDatabasePath()], environment: [variable: value])
            #expect(output.status == 2, "\(variable)")
            #expect(output.stderr.contains(variable), "\(variable): \(output.stderr)")
        }
    }

    /// Every command reads the same configuration as `serve` and refuses what it
    /// refuses (an invalid log level once quietly became `notice` in cron runs).
    @Test(arguments: [["poll", "--once"], ["watchdog", "--once"], ["notify", "--once"], ["verify"], ["replay", "job_1"],
                      ["retain", "--bodies-older-than", "1d"], ["sign", "--provider", "replicate"],
                      ["send", "--provider", "replicate", "--example", "completed", "--external-id", "p1"]])
    func everyCommandRefusesAnInvalidSettingWithOneLineNamingIt(_ command: [String]) async throws {
        let database = ["sign", "send"].contains(command[0]) ? [] : ["--db", Fixtures.temporaryDatabasePath()]
        // An address typed wrong would otherwise be found at the first poll, as an event in the log.
        for (variable, value) in [("LEDGER_LOG_LEVEL", "loud"), ("LEDGER_STUCK_AFTER", "soon"), ("LEDGER_NOTIFY_EVENTS", "some"),
                                  ("LEDGER_PROVIDER_REPLICATE_BASE_URL", "x"), ("LEDGER_PROVIDER_NCA_BASE_URL", "ftp://nca.example"),
                                  ("LEDGER_PROVIDER_WAVESPEED_POLL_HEAD_URL", "cdn.example/{external_id}.mp4")] {
            let output = try await LedgerBinary.run(command + database, environment: [variable: value])
            #expect(output.status == 2, "\(command) \(variable): \(output.stderr)")
            #expect(output.stderr.contains(variable) && output.stderr.split(separator: "\n").count == 1, "\(command): \(output.stderr)")
        }
    }

    @Test(arguments: [
        (#"{"prot": 8080}"#, "prot"), (#"{"port": "eighty"}"#, "port (in "), (#"[1]"#, "--config"),
        (#"{"port": [1]}"#, "port"), (#"{"providers": {"acme": {"authentication": "query_token"}}}"#, "providers.acme.status_map"),
        (#"{"providers": {"replicate": {"secret": "nope"}}}"#, "providers.replicate.secret (in "),
        (#"{"providers": {"replicate": {"colour": "red"}}}"#, "providers.replicate.colour"),
    ])
    func serveRefusesABadConfigurationFileNamingTheKey(_ text: String, _ key: String) async throws {
        let path = Fixtures.temporaryDatabasePath()
        try text.write(toFile: path + ".json", atomically: true, encoding: .utf8)
        let output = try await LedgerBinary.run(["serve", "--db", path, "--config", path + ".json"],
                                          environment: ["LEDGER_KEYS": ServeProcessTests.keys])
        #expect(output.status == 2)
        #expect(output.stderr.contains(key), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "one line")
    }
}
