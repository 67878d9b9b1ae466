import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// `ledger serve` as a real process on loopback, stopped with SIGTERM.
@Suite(.serialized) struct ServeProcessTests {
    static let keys = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"

    /// curl on a Dispatch thread (see `LedgerBinary.run`).
    static func curl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await offPool { try curlBlocking(arguments) }
    }

    static func curlBlocking(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let result = try Spawn.run("/usr/bin/curl", ["-s", "--max-time", "5"] + arguments, timeoutSeconds: 60)
        return (result.status, result.output)
    }

    /// A port nothing listens on now, from the kernel (bind to port 0): a random
    /// pick collided with a listener once in ~100 long-run seeds.
    static func freePort() -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(socket >= 0, "no socket for a port probe")
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        precondition(bound, "binding port 0 on loopback failed")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts `ledger serve` and waits (up to 30 s: the suite runs many processes on 2 cores) until it answers /healthz.
    /// Starts `ledger serve`; its stderr goes to `errorLog` if given (read it when a test fails).
    static func startServer(_ arguments: [String], port: Int, environment extra: [String: String],
                            errorLog: String? = nil) async throws -> Process {
        let server = Process()
        server.executableURL = LedgerBinary.url
        server.arguments = ["serve"] + arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("LEDGER_") }
        environment.merge(extra) { _, new in new }
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        if let errorLog, FileManager.default.createFile(atPath: errorLog, contents: nil),
           let handle = FileHandle(forWritingAtPath: errorLog) {
            server.standardError = handle
        } else {
            server.standardError = FileHandle.nullDevice
        }
        try server.run()
        for _ in 0..<300 {
            if (try? await curl(["http://127.0.0.1:\(port)/healthz"]).output.contains("ok")) == true { return server }
            if !server.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(server.processIdentifier, SIGKILL)
        throw CancellationError()
    }

    @Test func sigtermAfterAcknowledgedWritesExitsCleanlyAndLosesNothing() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let errorLog = path + ".stderr"
        let server = try await Self.startServer(["--db", path, "--port", String(port)], port: port,
                                                environment: ["LEDGER_KEYS": Self.keys], errorLog: errorLog)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        var acknowledged: [String] = []
        for index in 0..<20 {
            let body = #"{"job_id":"job_\#(index)","account":"a","provider":"replicate","operation":"o","cost":1}"#
            let answer = try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
                                        "-H", "Authorization: Bearer app-key-0123456789abcdef",
                                        "-H", "content-type: application/json", "-d", body])
            if answer.output == "201" { acknowledged.append("job_\(index)") }
        }
        #expect(acknowledged.count == 20)
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "a clean exit on SIGTERM")
        // The log says the stop was asked for and when it was done (it said nothing before).
        let logged = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
        let shutting = logged.range(of: #""message":"shutting down""#), stopped = logged.range(of: #""message":"stopped""#)
        #expect(shutting != nil && stopped != nil && shutting!.lowerBound < stopped!.lowerBound, "\(logged.suffix(600))")
        let store = try SQLiteEventStore(path: path)
        for jobID in acknowledged { #expect(try await store.job(jobID) != nil, "\(jobID) was acknowledged") }
        #expect(try await store.verify().isSound)
    }

    /// One `serve` per SQLite file: a second one on the same file would poll
    /// and notify beside the first (31 of 80 notifications sent twice). It
    /// exits 3 saying why; the first serves on; once it is stopped, a new one starts.
    @Test func aSecondServeOnTheSameFileIsRefused() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let first = try await Self.startServer(["--db", path, "--port", String(port)], port: port,
                                               environment: ["LEDGER_KEYS": Self.keys])
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        // The same file by another name: a symbolic link to it (a file: URI is no path the ledger opens).
        let link = path + ".link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let before = try await SQLiteEventStore(path: path).recordedSettings()
        for name in [path, link] {
            let second = try await LedgerBinary.run(["serve", "--db", name, "--port", String(ServeProcessTests.freePort())],
                                                    environment: ["LEDGER_KEYS": Self.keys, "LEDGER_NOTIFY_URL": "https://app.example/hooks",
                                                                  "LEDGER_NOTIFY_SECRET": "whsec_" + Data(repeating: 3, count: 24).base64EncodedString()])
            #expect(second.status == 3 && second.stderr.contains("another ledger serve is using"), "\(name): \(second.stderr)")
        }
        // Refused before it opened the database: the settings the first recorded stand.
        #expect(try await SQLiteEventStore(path: path).recordedSettings() == before && before["notifications"] != "on")
        #expect(try await Self.curl(["http://127.0.0.1:\(port)/readyz"]).output.contains("ready"))
        // A rebuild replaces the tables serve writes to: refused while serve runs; its --check only reads.
        let empty = path + ".empty.jsonl"
        FileManager.default.createFile(atPath: empty, contents: Data())
        for command in [["rebuild"], ["rebuild", "--tree"], ["import", empty]] {
            let refused = try await LedgerBinary.run(command + ["--db", path])
            #expect(refused.status == 3 && refused.stderr.contains("stop it before `ledger \(command == ["import", empty] ? "import" : command.joined(separator: " "))`"),
                    "\(command): \(refused.stderr)")
        }
        #expect(try await LedgerBinary.run(["rebuild", "--check", "--db", path]).status == 0)
        kill(first.processIdentifier, SIGKILL)
        await first.exited()
        #expect(try await LedgerBinary.run(["rebuild", "--db", path]).status == 0, "once serve is stopped")
        let again = try await Self.startServer(["--db", path, "--port", String(port)], port: port,
                                               environment: ["LEDGER_KEYS": Self.keys])
        kill(again.processIdentifier, SIGTERM)
        await again.exited()
    }

    /// A provider whose webhooks are checked but whose jobs can never be
    /// polled (no API key) is named at start, with the setting that is missing.
    @Test func aProviderThatIsNeverPolledIsSaidAtStart() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let log = path + ".stderr"
        let server = try await Self.startServer(["--db", path, "--port", String(port)], port: port,
                                                environment: ["LEDGER_KEYS": Self.keys,
                                                              "LEDGER_PROVIDER_REPLICATE_SECRET": "whsec_" + Data(repeating: 5, count: 24).base64EncodedString()],
                                                errorLog: log)
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("never polled") && $0.contains("LEDGER_PROVIDER_REPLICATE_API_KEY") }, "\(lines)")
        #expect(!lines.contains { $0.contains("never polled") && $0.contains("\"wavespeed\"") }, "no secret: not in use")
    }

    /// A node configured apart from the one that started before it says so
    /// (each node decides by its own settings: a late completion was billed
    /// by the policy of whichever node received it, and checkpoints of two
    /// keys alternated), naming each difference, then records its own.
    @Test func aNodeConfiguredApartFromTheLastSaysHowAtStart() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let first = try await LedgerBinary.run(["checkpoint", "--generate-key", "--key-name", "first.example"])
        let second = try await LedgerBinary.run(["checkpoint", "--generate-key", "--key-name", "second.example"])
        func key(_ output: String) -> String { String(output.split(separator: "\n")[0].dropFirst("LEDGER_CHECKPOINT_KEY=".count)) }
        var log = ""
        for (index, (policy, signing)) in [("recharge", key(first.stdout)), ("keep_refund", key(second.stdout))].enumerated() {
            let port = Self.freePort()
            log = path + ".\(index).log"
            let server = try await Self.startServer(["--db", path, "--port", String(port)], port: port, environment: [
                "LEDGER_KEYS": Self.keys, "LEDGER_LATE_COMPLETION_POLICY": policy, "LEDGER_CHECKPOINT_KEY": signing,
                "LEDGER_CHECKPOINT_INTERVAL": "1s",
            ], errorLog: log)
            defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
            let body = #"{"job_id":"j\#(index)","account":"a","provider":"replicate","operation":"o","cost":3}"#
            _ = try await Self.curl(["-X", "POST", "http://127.0.0.1:\(port)/v1/jobs", "-H", "Authorization: Bearer app-key-0123456789abcdef",
                                     "-d", body])
            try await Task.sleep(for: .milliseconds(2_500))
            kill(server.processIdentifier, SIGTERM)
            await server.exited()
        }
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("settings differ") && $0.contains("late_completion_policy: keep_refund (recorded: recharge)") },
                "\(lines)")
        #expect(lines.contains { $0.contains("signed by another key") && $0.contains("first.example") && $0.contains("second.example") },
                "\(lines)")
    }

    @Test func withNoConfigurationItWritesOwnerOnlySecretsThatSignRealWebhooks() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let server = try await Self.startServer(["--db", path, "--port", String(port)], port: port, environment: [:])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("ledger-dev.json").path
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "only its owner may read the development secrets")
        let configuration = try #require(JSONValue(jsonText: try String(contentsOfFile: file, encoding: .utf8)))
        let keys = try #require(configuration["keys"]?.stringValue)
        let appKey = try #require(keys.split(separator: ",").first { $0.hasPrefix("app:") }?.dropFirst(4))
        for (job, provider) in [("j_ws", "wavespeed"), ("j_rep", "replicate")] {
            let body = #"{"job_id":"\#(job)","account":"a","provider":"\#(provider)","operation":"o","cost":3,"external_id":"x_\#(job)"}"#
            #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
                                   "-H", "Authorization: Bearer \(appKey)", "-d", body]).output == "201")
        }
        // wavespeed: ledger sign prints the URL with the token.
        let wavespeedBody = #"{"id":"x_j_ws","status":"completed","outputs":["u"]}"#
        let signedURL = try await LedgerBinary.run(["sign", "--provider", "wavespeed", "--config", file, "--url", base])
        let url = try #require(signedURL.stdout.split(separator: "\n").first?.split(separator: " ").last.map(String.init))
        #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", url, "-d", wavespeedBody]).output == "200")
        // replicate: ledger sign prints the Standard Webhooks headers.
        let replicateBody = #"{"id":"x_j_rep","status":"succeeded","output":"u"}"#
        let signed = try await LedgerBinary.run(["sign", "--provider", "replicate", "--config", file], input: Data(replicateBody.utf8))
        let headers = signed.stdout.split(separator: "\n").dropFirst().flatMap { ["-H", String($0)] }
        #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/webhooks/replicate",
                               "-d", replicateBody] + headers).output == "200")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.job("j_ws")?.status == .completed)
        #expect(try await store.job("j_rep")?.status == .completed)
    }

    @Test func aConfigurationFileConfiguresAndTheEnvironmentWins() async throws {
        let path = Fixtures.temporaryDatabasePath()
        // Free ports from the kernel: random picks met a listener in CI (the serve exited at once).
        let filePort = Self.freePort(), environmentPort = Self.freePort()
        let file = path + ".config.json"
        try #"{"port": \#(filePort), "keys": "\#(Self.keys)", "log_level": "warning", "providers": {"acme": {"authentication": "query_token", "secret": "acme-token-0123456789abcdef", "external_id": "/ref", "status": "/state", "status_map": {"ok": "completed"}}}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let server = try await Self.startServer(["--db", path, "--config", file], port: environmentPort,
                                                environment: ["LEDGER_PORT": String(environmentPort)])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(environmentPort)"
        #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                               base + "/v1/webhooks/acme?token=acme-token-0123456789abcdef", "-d", #"{"ref":"r1","state":"ok"}"#]).output == "200",
                "the custom profile from the file takes webhooks (an orphan here)")
        #expect(try await Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(filePort)/healthz"]).output != "200",
                "the environment's port won over the file's")
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        #expect(server.terminationStatus == 0)
    }

    @Test func sigtermUnderLoadAnswersNothing2xxThatIsNotStored() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let port = ServeProcessTests.freePort()
        let server = try await Self.startServer(["--db", path, "--port", String(port)], port: port,
                                                environment: ["LEDGER_KEYS": Self.keys])
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let session = URLSession(configuration: .ephemeral)
        let answered = Shared(0)
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    // Bounded: at most 400 requests per worker, and the server stops long before.
                    for index in 0..<400 {
                        let jobID = "job_\(worker)_\(index)"
                        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/jobs")!)
                        request.httpMethod = "POST"
                        request.timeoutInterval = 5
                        request.setValue("Bearer app-key-0123456789abcdef", forHTTPHeaderField: "Authorization")
                        request.httpBody = Data(#"{"job_id":"\#(jobID)","account":"a","provider":"replicate","operation":"o","cost":1}"#.utf8)
                        guard let (_, response) = try? await session.data(for: request),
                              let status = (response as? HTTPURLResponse)?.statusCode else { break }
                        if status == 201 { mine.append(jobID) }
                        answered.withLock { $0 += 1 }
                    }
                    return mine
                }
            }
            // SIGTERM once the load is flowing (a few answers in), not after a
            // fixed sleep a loaded machine can outlast before the first answer.
            for _ in 0..<500 where answered.withLock({ $0 }) < 16 { try await Task.sleep(for: .milliseconds(10)) }
            kill(server.processIdentifier, SIGTERM)
            return try await group.reduce(into: []) { $0 += $1 }
        }
        await server.exited()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "a clean exit on SIGTERM under load")
        #expect(acknowledged.count > 0, "the load reached the server before SIGTERM")
        let store = try SQLiteEventStore(path: path)
        for jobID in acknowledged { #expect(try await store.job(jobID) != nil, "\(jobID) was answered 201") }
        #expect(try await store.verify().isSound)
    }
}
