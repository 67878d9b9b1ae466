import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The edges of the service's life, on the real binary: what start-up must
/// refuse (and not touch), a port it cannot take, paths that cannot hold a
/// database, files it must not overwrite, and a shutdown that does not wait
/// out long polls.
@Suite(.serialized) struct StartupFaultTests {
    static let keys = ServeProcessTests.keys

    static func sqlite3(_ path: String, _ sql: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-cmd", ".timeout 10000", path, sql]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        await process.exited()
        #expect(process.terminationStatus == 0, "sqlite3 \(sql)")
    }

    static func digest(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    static func serve(_ arguments: [String]) async throws -> LedgerBinary.Output {
        try await LedgerBinary.run(["serve", "--port", String(ServeProcessTests.freePort())] + arguments,
                                   environment: ["LEDGER_KEYS": keys])
    }

    @Test func anotherApplicationsDatabaseIsRefusedAndLeftUntouched() async throws {
        let path = Fixtures.temporaryDatabasePath("app.sqlite")
        try await Self.sqlite3(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');")
        let before = try Self.digest(path)
        let serve = try await Self.serve(["--db", path])
        #expect(serve.status == 4, "\(serve.stderr)")
        #expect(serve.stderr.contains(path) && serve.stderr.contains("another application's SQLite database"), "\(serve.stderr)")
        #expect(!serve.stderr.contains("\"serving\""))
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 4 && verify.stderr.contains("users"), "\(verify.stderr)")
        #expect(try Self.digest(path) == before, "not a byte written")
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "not even switched to WAL")
    }

    /// The zero-configuration start (no LEDGER_KEYS, no --config) writes its
    /// development keys beside the database only once the database is
    /// accepted: a refused file leaves no secrets file beside it, and a
    /// missing folder is named as such (exit 3), not as missing keys.
    @Test func aRefusedDatabaseGetsNoDevelopmentKeysBesideIt() async throws {
        let path = Fixtures.temporaryDatabasePath("app.sqlite")
        try await Self.sqlite3(path, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);")
        let keysFile = (path as NSString).deletingLastPathComponent + "/ledger-dev.json"
        let foreign = try await LedgerBinary.run(["serve", "--port", String(ServeProcessTests.freePort()), "--db", path])
        #expect(foreign.status == 4 && foreign.stderr.contains("another application's SQLite database"), "\(foreign.stderr)")
        #expect(!FileManager.default.fileExists(atPath: keysFile), "no keys file beside another application's database")
        let missing = (path as NSString).deletingLastPathComponent + "/no-such-folder/ledger.sqlite"
        let nowhere = try await LedgerBinary.run(["serve", "--port", String(ServeProcessTests.freePort()), "--db", missing])
        #expect(nowhere.status == 3 && nowhere.stderr.contains("no-such-folder") && !nowhere.stderr.contains("LEDGER_KEYS"),
                "\(nowhere.stderr)")
    }

    /// An existing development keys file that other users can change (or a
    /// link) is not trusted: its keys open the admin pages, and a file
    /// planted beside the database chose them. `serve` names it and exits.
    @Test func aDevelopmentKeysFileOthersCanChangeIsNotTrusted() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let keysFile = (path as NSString).deletingLastPathComponent + "/ledger-dev.json"
        try Data(#"{"keys": "admin:planted-admin-key-0123456789"}"#.utf8).write(to: URL(fileURLWithPath: keysFile))
        chmod(keysFile, 0o666)
        let planted = try await LedgerBinary.run(["serve", "--port", String(ServeProcessTests.freePort()), "--db", path])
        #expect(planted.status == 2 && planted.stderr.contains("can be changed by other users (mode 666)"), "\(planted.stderr)")
        try FileManager.default.removeItem(atPath: keysFile)
        try FileManager.default.createSymbolicLink(atPath: keysFile, withDestinationPath: "/etc/hostname")
        let linked = try await LedgerBinary.run(["serve", "--port", String(ServeProcessTests.freePort()), "--db", path])
        #expect(linked.status == 2 && linked.stderr.contains("is not a regular file"), "\(linked.stderr)")
    }

    /// A closed ledger of one job whose `trigger` was dropped by hand.
    static func ledger(withoutTrigger trigger: String) async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", externalID: "x1"))
        await store.close()
        try await sqlite3(path, "DROP TRIGGER \(trigger);")
        return path
    }

    /// A ledger whose immutability trigger was dropped by hand is served (the
    /// providers' webhooks would be lost otherwise), never in silence: `serve`
    /// says at start, at critical level, that the log is no longer protected.
    @Test func aLogWithoutItsGuardsIsServedButNotInSilence() async throws {
        let path = try await Self.ledger(withoutTrigger: "events_refuse_delete")
        let port = ServeProcessTests.freePort(), log = path + ".log"
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": Self.keys], errorLog: log)
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let lines = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(lines.contains("\"level\":\"critical\"") && lines.contains("the log is not protected by the database")
                && lines.contains("trigger events_refuse_delete is missing"), "\(lines.prefix(2000))")
        // A guarded log says nothing of the kind.
        let guarded = Fixtures.temporaryDatabasePath(), quietLog = guarded + ".log"
        let other = try await ServeProcessTests.startServer(["--db", guarded, "--port", String(port)], port: port,
                                                            environment: ["LEDGER_KEYS": Self.keys], errorLog: quietLog)
        kill(other.processIdentifier, SIGTERM)
        await other.exited()
        #expect(!((try? String(contentsOfFile: quietLog, encoding: .utf8)) ?? "").contains("not protected"))
    }

    @Test func aLedgerMigratedByANewerVersionIsRefused() async throws {
        let path = Fixtures.temporaryDatabasePath()
        do {
            let store = try SQLiteEventStore(path: path)
            _ = try await store.execute(Fixtures.register("j1", externalID: "x1"))
        }
        try await Self.sqlite3(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future');")
        let serve = try await Self.serve(["--db", path])
        #expect(serve.status == 4 && serve.stderr.contains("v99-from-the-future") && serve.stderr.contains("newer ledger"),
                "\(serve.stderr)")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 4, "verify never says ok about a ledger it does not understand: \(verify.stdout)\(verify.stderr)")
    }

    /// A process killed in its first milliseconds, while a new file is still
    /// in rollback-journal mode (before it switches to WAL), leaves a hot
    /// journal that a read-only look cannot roll back: the next start rolls
    /// it back instead of refusing the file.
    @Test func aHotJournalLeftByAKilledWriterIsRolledBackAtTheNextStart() async throws {
        let folder = (Fixtures.temporaryDatabasePath() as NSString).deletingLastPathComponent
        let writing = folder + "/writing.sqlite", path = folder + "/killed.sqlite"
        // Copying the file and its journal in the middle of a transaction is the state a SIGKILL leaves.
        let script = """
            PRAGMA cache_size = 2;
            BEGIN;
            CREATE TABLE t (x);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO t SELECT randomblob(2000) FROM n;
            .shell cp \(writing) \(path) && cp \(writing)-journal \(path)-journal
            ROLLBACK;
            """
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        sqlite.arguments = [writing]
        let input = Pipe()
        sqlite.standardInput = input
        try sqlite.run()
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        await sqlite.exited()
        #expect(FileManager.default.fileExists(atPath: path + "-journal"), "the journal was left beside the file")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0 && verify.stdout.contains("checked 0 events"), "\(verify.stdout)\(verify.stderr)")
        let store = try SQLiteEventStore(path: path)
        _ = try await store.execute(Fixtures.register("j1", externalID: "x1"))
        #expect(try await store.verify().isSound)
    }

    @Test func aDamagedPageStopsServeAtStartUp() async throws {
        let path = try await CorruptionTests.ledger()
        try await Self.sqlite3(path, "PRAGMA wal_checkpoint(TRUNCATE);")
        try CorruptionTests.damage(path, at: try await CorruptionTests.streamIndexOffset(path), bytes: 64)
        let serve = try await Self.serve(["--db", path])
        #expect(serve.status == 3 && serve.stderr.contains("quick_check") && serve.stderr.contains("backup"), "\(serve.stderr)")
        #expect(!serve.stderr.contains("\"serving\""))
    }

    /// A second name for the database file (a hard link): SQLite keeps a WAL and
    /// locks per name, and serve's lock is per path, so two serves through two
    /// names both ran, both answered 2xx, and the file lost acknowledged writes.
    /// Every command refuses such a file, naming why.
    @Test func aDatabaseFileWithASecondNameIsRefused() async throws {
        let path = try await CorruptionTests.ledger()
        let second = (path as NSString).deletingLastPathComponent + "/second-name.sqlite"
        #expect(link(path, second) == 0)
        for (command, at) in [("serve", path), ("serve", second), ("verify", second)] {
            let output = command == "serve" ? try await Self.serve(["--db", at]) : try await LedgerBinary.run([command, "--db", at])
            #expect(output.status == 3 && output.stderr.contains("hard links"), "\(command) \(at): \(output.stderr)")
        }
        #expect(unlink(second) == 0)
        #expect(try await LedgerBinary.run(["verify", "--db", path]).status == 0, "one name again: served")
    }

    /// A row of the log that its constraints would never have stored (a NULL in
    /// a NOT NULL column, as a damaged page reads) is damage verify names (exit
    /// 3), not a crash (it stopped on a failed decode, SIGILL).
    @Test func aLogRowNoAppendCouldWriteIsNamedAsDamageNotACrash() async throws {
        let path = try await CorruptionTests.ledger()
        try await Self.sqlite3(path, """
            PRAGMA writable_schema = ON;
            UPDATE sqlite_schema SET sql = replace(sql, 'metadata        TEXT    NOT NULL CHECK (json_valid(metadata))', 'metadata TEXT')
                WHERE name = 'events';
            PRAGMA writable_schema = OFF;
            """)
        // A new connection reads the changed schema.
        try await Self.sqlite3(path, "DROP TRIGGER events_refuse_update; UPDATE events SET metadata = NULL WHERE position = 2;")
        for command in [["verify"], ["export"]] {
            let output = try await LedgerBinary.run(command + ["--db", path])
            #expect(output.status == 3 && output.stderr.contains("does not read as an event"), "\(command): \(output.status) \(output.stderr)")
        }
    }

    @Test func aTakenPortOrAnAddressThatCannotBeBoundEndsServeAtOnce() async throws {
        let port = ServeProcessTests.freePort()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 1) == 0)
        let started = ContinuousClock.now
        let taken = try await LedgerBinary.run(["serve", "--db", Fixtures.temporaryDatabasePath(), "--port", String(port)],
                                               environment: ["LEDGER_KEYS": Self.keys])
        #expect(ContinuousClock.now - started < .seconds(10), "no hanging until a SIGTERM")
        #expect(taken.status == 5 && taken.stderr.contains("cannot listen on 127.0.0.1:\(port): address already in use"),
                "\(taken.stderr)")
        #expect(!taken.stderr.contains("\"serving\""), "never said it was serving")
        let nowhere = try await Self.serve(["--db", Fixtures.temporaryDatabasePath(), "--host", "no-such-host.invalid"])
        #expect(nowhere.status == 5 && nowhere.stderr.contains("cannot listen on no-such-host.invalid"), "\(nowhere.stderr)")
    }

    @Test func pathsThatCannotHoldADatabaseAreNamedWithTheirCause() async throws {
        let folder = (Fixtures.temporaryDatabasePath() as NSString).deletingLastPathComponent
        let file = folder + "/plain.txt"
        _ = FileManager.default.createFile(atPath: file, contents: Data("not a folder".utf8))
        let cases: [(path: String, cause: String)] = [
            (folder, "it is a folder"),
            (file + "/ledger.sqlite", "is a file, not a folder"),
            (folder + "/missing/ledger.sqlite", "does not exist"),
        ]
        for (path, cause) in cases {
            let serve = try await Self.serve(["--db", path])
            #expect(serve.status == 3 && serve.stderr.contains(path) && serve.stderr.contains(cause), "\(path): \(serve.stderr)")
            #expect(!serve.stderr.contains("free disk space"), "no advice that does not fit: \(serve.stderr)")
        }
    }

    /// A provider configured by hand without a secret would answer every webhook 401: refused at start-up.
    @Test func aConfiguredProviderWithoutASecretStopsStartUp() async throws {
        let folder = (Fixtures.temporaryDatabasePath() as NSString).deletingLastPathComponent
        let config = folder + "/ledger.json"
        let profile = #"{"providers": {"acme": {"authentication": "query_token", "external_id": "/id", "status": "/state", "status_map": {"done": "completed"}}}}"#
        _ = FileManager.default.createFile(atPath: config, contents: Data(profile.utf8))
        let serve = try await Self.serve(["--db", folder + "/ledger.sqlite", "--config", config])
        #expect(serve.status == 2 && serve.stderr.contains("providers.acme.secret"), "\(serve.stderr)")
    }

    @Test func commandsFollowTheDocumentedExitCodesAndOverwriteNothing() async throws {
        let path = try await CorruptionTests.ledger()
        let badSQL = try await LedgerBinary.run(["query", "SELEC nothing", "--db", path])
        #expect(badSQL.status == 2, "a wrong statement is a usage error, not a failed check: \(badSQL.stderr)")
        let write = try await LedgerBinary.run(["query", "DELETE FROM events", "--db", path])
        #expect(write.status == 2 && write.stderr.contains("read-only"), "\(write.stderr)")
        let out = (path as NSString).deletingLastPathComponent + "/checkpoint.json"
        _ = FileManager.default.createFile(atPath: out, contents: Data("precious".utf8))
        let key = try await LedgerBinary.run(["checkpoint", "--generate-key"])
        let seed = String(key.stdout.split(separator: "\n")[0].dropFirst("LEDGER_CHECKPOINT_KEY=".count))
        let refused = try await LedgerBinary.run(["checkpoint", "--db", path, "--out", out], environment: ["LEDGER_CHECKPOINT_KEY": seed])
        #expect(refused.status == 2 && refused.stderr.contains("--force") && refused.stderr.contains(out), "\(refused.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "precious")
        let forced = try await LedgerBinary.run(["checkpoint", "--db", path, "--out", out, "--force"],
                                                environment: ["LEDGER_CHECKPOINT_KEY": seed])
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(forced.status == 0 && written.hasPrefix("completion-ledger/"), "\(forced.stderr)")
    }

    /// SIGTERM with a `?wait=40s` long poll open: the poll is answered at once
    /// with the job as it is, and the process exits well within its grace.
    @Test func shutdownAnswersLongPollsAndExitsWithinTheGrace() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": Self.keys, "LEDGER_SHUTDOWN_GRACE": "5s"])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let register = try await ServeProcessTests.curl([
            "-X", "POST", "\(base)/v1/jobs", "-H", "Authorization: Bearer app-key-0123456789abcdef",
            "-H", "Content-Type: application/json",
            "-d", #"{"job_id":"j1","account":"a1","provider":"replicate","operation":"video","cost":3}"#,
        ])
        #expect(register.output.contains("\"job_id\":\"j1\""), "\(register.output)")
        async let poll = offPool {
            try ServeProcessTests.curlBlocking(["--max-time", "60", "-w", "\n%{http_code}", "\(base)/v1/jobs/j1?wait=40s",
                                                "-H", "Authorization: Bearer app-key-0123456789abcdef"])
        }
        let held = try await offPool { try ResourceLimitTests.waitForMetric(port, "ledger_long_polls_open 1\n") }
        #expect(held, "the long poll was held open before SIGTERM")
        let terminated = ContinuousClock.now
        kill(server.processIdentifier, SIGTERM)
        let answer = try await poll
        #expect(ContinuousClock.now - terminated < .seconds(4), "the long poll was answered at shutdown")
        #expect(answer.output.hasSuffix("200") && answer.output.contains("\"status\":\"registered\""), "\(answer.output)")
        await server.exited()
        #expect(ContinuousClock.now - terminated < .seconds(6), "exited within the grace")
        #expect(server.terminationStatus == 0)
    }

    /// With `shutdown_delay`, a node told to stop says it is not ready and
    /// goes on answering for that long, so a balancer probing `/readyz` stops
    /// sending before the port closes (an idle node closed it 11 ms after
    /// SIGTERM: the balancer saw only refused connections).
    @Test func aShutdownDelayKeepsTheNodeAnsweringAfterItSaysNotReady() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": Self.keys, "LEDGER_SHUTDOWN_DELAY": "2s"])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let terminated = ContinuousClock.now
        kill(server.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let ready = try await ServeProcessTests.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/readyz"])
        let healthy = try await ServeProcessTests.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/healthz"])
        #expect(ready.output == "503" && healthy.output == "200", "not ready, still answering: \(ready.output) \(healthy.output)")
        await server.exited()
        #expect(ContinuousClock.now - terminated >= .milliseconds(1_900) && server.terminationStatus == 0)
        let refused = try await LedgerBinary.run(["serve", "--db", path, "--port", String(port)],
                                                 environment: ["LEDGER_KEYS": Self.keys, "LEDGER_SHUTDOWN_DELAY": "10s"])
        #expect(refused.status == 2 && refused.stderr.contains("LEDGER_SHUTDOWN_DELAY"), "\(refused.stderr)")
    }
}
