import Foundation
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The fast subset of the corruption faults: a damaged database is refused with a clear message
/// and exit 3, never silently repaired.
@Suite struct CorruptionTests {
    /// A small ledger, closed, whose file the test then damages.
    static func ledger() async throws -> String {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        for index in 0..<30 {
            _ = try await store.execute(Fixtures.register("job_\(index)", cost: 10, externalID: "ext_\(index)"))
            _ = try await store.execute(Fixtures.deliver(Fixtures.webhook("ext_\(index)", .completed, delivery: "d\(index)")))
        }
        return path
    }

    /// Where the (stream, version) index starts in the file: the page its
    /// root is on (the layout differs with the file's auto-vacuum mode).
    static func streamIndexOffset(_ path: String) async throws -> UInt64 {
        // A busy timeout: another connection to the file (a test's own store, a running serve)
        // may hold a lock for a moment on a loaded machine ("database is locked" in CI once).
        let page = try await RetentionCommandTests.sqlite(path, """
            PRAGMA busy_timeout = 10000; SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_events_1';
            """)
        let last = page.split(separator: "\n").last.map(String.init) ?? ""
        let number = try #require(UInt64(last.trimmingCharacters(in: .whitespaces)), "root page: \(page)")
        return (number - 1) * 4096
    }

    static func damage(_ path: String, at offset: UInt64, bytes: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: offset)
        handle.write(Data(repeating: 0x07, count: bytes))
        try handle.close()
    }

    @Test func aDamagedHeaderStopsStartUpWithAClearLine() async throws {
        let path = try await Self.ledger()
        try await checkpointWAL(path)
        try Self.damage(path, at: 0, bytes: 16)
        let serve = try await LedgerBinary.run(["serve", "--db", path, "--port", "1"], environment: ["LEDGER_KEYS": ServeProcessTests.keys])
        #expect(serve.status == 3 && serve.stderr.contains("damaged") && serve.stderr.contains("backup"), "\(serve.stderr)")
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 3 && verify.stderr.contains("damaged"))
    }

    /// The common mistake, an export given where the database goes, is named
    /// as a file of another kind (and what reads it), not only as damage.
    @Test func anExportGivenAsTheDatabaseIsNamedAsSuch() async throws {
        let path = try await Self.ledger()
        let export = try await LedgerBinary.run(["export", "--db", path])
        let file = path + ".jsonl"
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let verify = try await LedgerBinary.run(["verify", "--db", file])
        #expect(verify.status == 3 && verify.stderr.contains("it is not a SQLite database") && verify.stderr.contains("ledger import"),
                "\(verify.stderr)")
    }

    @Test func aDamagedIndexPageIsFoundByVerify() async throws {
        let path = try await Self.ledger()
        try await checkpointWAL(path)
        try Self.damage(path, at: try await Self.streamIndexOffset(path), bytes: 64)
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status != 0, "damage is never reported as ok: \(verify.stdout)\(verify.stderr)")
        #expect(verify.stderr.contains("damaged") || verify.stdout.contains("FAIL pages"), "\(verify.stdout)\(verify.stderr)")
    }

    /// FAULTS 9, under a running `serve`: a page damaged on disk after start-up
    /// (and read once another process's commit has emptied serve's page
    /// caches) answers 500, never "retry later", and leaves `/readyz` at 503
    /// and `ledger_ready` at 0: a damaged ledger is not repaired or trusted.
    @Test func aPageDamagedUnderARunningServeAnswers500AndStaysNotReady() async throws {
        let path = try await Self.ledger()
        let port = ServeProcessTests.freePort()
        let errorLog = path + ".serve.log"
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": ServeProcessTests.keys], errorLog: errorLog)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        func register(_ jobID: String) async throws -> String {
            try await ServeProcessTests.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
                                              "-H", "Authorization: Bearer app-key-0123456789abcdef", "-H", "content-type: application/json",
                                              "-d", #"{"job_id":"\#(jobID)","account":"a","provider":"replicate","operation":"o","cost":1}"#]).output
        }
        func ready() async throws -> String {
            try await ServeProcessTests.curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", base + "/readyz"]).output
        }
        #expect(try await register("before") == "201")
        #expect(try await ready() == "200")
        // The WAL copied into the file (waiting out serve's own transactions): the damage lands on the page read.
        let checkpoint = try await RetentionCommandTests.sqlite(path, "PRAGMA busy_timeout = 10000; PRAGMA wal_checkpoint(TRUNCATE);")
        #expect(checkpoint.split(separator: "\n").last?.hasPrefix("0|") == true, "checkpoint: \(checkpoint)")
        try Self.damage(path, at: try await Self.streamIndexOffset(path), bytes: 64)
        // Another process's commit: serve's connections drop their page caches and read the file again.
        let commit = try await RetentionCommandTests.sqlite(path, "PRAGMA busy_timeout = 10000; PRAGMA user_version = 7;")
        #expect(!commit.lowercased().contains("error"), "commit: \(commit)")
        #expect(try await register("after") == "500", "damage is no reason to retry: \((try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? "")")
        #expect(try await ready() == "503")
        #expect(try await register("again") == "500")
        #expect(try await ready() == "503", "still not ready: only a restart after a restore clears it")
        let metrics = try await ServeProcessTests.curl(["-s", base + "/metrics"]).output
        #expect(metrics.split(separator: "\n").contains("ledger_ready 0"), "\(metrics.prefix(400))")
        kill(server.processIdentifier, SIGKILL)
        await server.exited()
    }

    /// Copies the WAL's pages into the main file (sqlite3's own checkpoint), so
    /// the damage hits the pages the ledger will read.
    func checkpointWAL(_ path: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, "PRAGMA busy_timeout = 10000; PRAGMA wal_checkpoint(TRUNCATE);"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        await process.exited()
    }
}
