import Foundation
import Hummingbird
import HummingbirdTesting
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore
import LedgerFakes
import LedgerPostgres
import LedgerStore
import LedgerTesting
import Testing

/// Two `ledger serve` processes on one PostgreSQL ledger, as a load balancer
/// would use them: every delivery sent to both nodes at once, failures and
/// late successes mixed in.
@Suite struct PostgresNodesProcessTests {
    static let secret = KillUnderStormTests.secret

    @Test func twoServeNodesUnderAStormKeepOneChainAndRefundOnce() async throws {
        try await HeavyTests.one { try await twoServeNodesUnderAStormKeepOneChainAndRefundOnceHeavy() }
    }

    private func twoServeNodesUnderAStormKeepOneChainAndRefundOnceHeavy() async throws {
        let url = try ThrowawayPostgres.shared().newDatabase()
        let setup = try await PostgresEventStore.open(url: url)
        let jobs = 20
        for index in 0..<jobs { _ = try await setup.execute(Fixtures.register("job_\(index)", cost: 10, externalID: "ext_\(index)")) }
        await setup.close()
        let nodes = try await Self.startNodes(2, url: url)
        defer { for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) } }
        let session = URLSession(configuration: .ephemeral)
        let ports = nodes.map(\.port)
        let acknowledged = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var mine: [String] = []
                    // Bounded: 60 deliveries per worker, each to both nodes.
                    for index in 0..<60 {
                        let delivery = "msg_\(worker)_\(index)"
                        let status = ["processing", "failed", "succeeded"][(worker + index) % 3]
                        let body = #"{"id":"ext_\#((worker * 7 + index) % jobs)","status":"\#(status)","n":\#(index)}"#
                        let answers = await withTaskGroup(of: Int.self) { both in
                            for port in ports {
                                both.addTask {
                                    await SignedDelivery.send(id: delivery, body: body, port: port, timeout: 10, session: session) ?? 0
                                }
                            }
                            return await both.reduce(into: [Int]()) { $0.append($1) }
                        }
                        if answers.contains(200) { mine.append(delivery) }
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        for node in nodes { node.process.terminate() }
        for node in nodes { await node.process.exited() }
        #expect(acknowledged.count == 6 * 60, "every delivery answered 200 by a node")

        let after = try await PostgresEventStore.open(url: url)
        defer { Task { await after.close() } }
        let all = try await after.events(after: 0, limit: 1_000_000)
        #expect(all.map(\.position) == Array(1...Int64(all.count)), "positions without a gap across both nodes")
        let stored = Set(all.compactMap { event -> String? in
            guard event.type == "webhook.received" else { return nil }
            return JSONValue(jsonText: event.data)?["delivery_id"]?.stringValue
        })
        #expect(acknowledged.filter { !stored.contains($0) }.isEmpty, "every acknowledged delivery stored")
        for index in 0..<jobs {
            let refunds = all.filter { $0.stream == "job-job_\(index)" && $0.type == EventType.creditRefunded.rawValue }.count
            #expect(refunds <= 1, "job_\(index) refunded \(refunds) times")
        }
        for command in [["verify"], ["rebuild", "--check"]] {
            let output = try await LedgerBinary.run(command + ["--db", url])
            #expect(output.status == 0, "\(command): \(output.stdout) \(output.stderr)")
        }
        print("two nodes under a storm: \(acknowledged.count) deliveries acknowledged, \(all.count) events, "
              + "\(all.filter { $0.type == EventType.creditRefunded.rawValue }.count) refunds")
    }

    /// SIGKILL of the node holding the notifier's lease: the other node takes
    /// the lease over once it lapses (10 s) and every notification reaches
    /// the app under one `webhook-id`, recorded delivered once.
    @Test func killingTheNotifiersHolderHandsItsWorkToTheOtherNode() async throws {
        try await HeavyTests.one { try await killingTheNotifiersHolderHandsItsWorkToTheOtherNodeHeavy() }
    }

    private func killingTheNotifiersHolderHandsItsWorkToTheOtherNodeHeavy() async throws {
        let server = try ThrowawayPostgres.shared()
        let database = try server.newDatabaseName()
        let url = server.url(database: database)
        let setup = try await PostgresEventStore.open(url: url)
        let jobs = 16
        for index in 0..<jobs { _ = try await setup.execute(Fixtures.register("job_\(index)", cost: 10, externalID: "ext_\(index)")) }
        await setup.close()
        let app = FakeApp()
        let router = Router()
        app.add(to: router)
        try await Application(router: router).test(.live) { appClient in
            let appPort = try #require(appClient.port)
            let nodes = try await Self.startNodes(2, url: url, environment: [
                "LEDGER_NOTIFY_URL": "http://127.0.0.1:\(appPort)/hooks", "LEDGER_NOTIFY_SECRET": app.secret,
                "LEDGER_ALLOW_PRIVATE_TARGETS": "true",
            ])
            defer { for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) } }
            let session = URLSession(configuration: .ephemeral)
            func complete(_ index: Int, on port: Int) async throws {
                let body = #"{"id":"ext_\#(index)","status":"succeeded","output":["https://cdn.example/\#(index).mp4"]}"#
                let answer = await SignedDelivery.send(id: "done_\(index)", body: body, port: port, timeout: 10, session: session)
                #expect(answer == 200, "completion of job_\(index): \(answer.map(String.init) ?? "no answer")")
            }
            func deliveredJobs() -> Set<String> {
                Set(app.accepted.compactMap { JSONValue(jsonText: $0.body)?["data"]?["job"]?["job_id"]?.stringValue })
            }
            func waitForDeliveries(_ count: Int, within limit: Duration) async throws {
                let end = ContinuousClock.now + limit
                while deliveredJobs().count < count, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(200)) }
            }

            for index in 0..<(jobs / 2) { try await complete(index, on: nodes[index % 2].port) }
            try await waitForDeliveries(jobs / 2, within: .seconds(20))
            #expect(deliveredJobs().count == jobs / 2, "the first half notified: \(deliveredJobs().sorted())")
            let holder = try await offPool { try server.psql("SELECT holder FROM ledger_leases WHERE name = 'notifier'", database: database) }
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let holderIndex = try #require(nodes.firstIndex { holder.contains("-\($0.process.processIdentifier)-") }, "holder \(holder)")
            kill(nodes[holderIndex].process.processIdentifier, SIGKILL)
            await nodes[holderIndex].process.exited()
            let survivor = nodes[1 - holderIndex]
            let killedAt = ContinuousClock.now
            for index in (jobs / 2)..<jobs { try await complete(index, on: survivor.port) }
            try await waitForDeliveries(jobs, within: .seconds(40))
            let takeover = ContinuousClock.now - killedAt
            #expect(deliveredJobs().count == jobs, "every job notified after the takeover: \(deliveredJobs().sorted())")

            survivor.process.terminate()
            await survivor.process.exited()
            let after = try await PostgresEventStore.open(url: url)
            defer { Task { await after.close() } }
            let all = try await after.events(after: 0, limit: 1_000_000)
            func notificationIDs(_ type: EventType) -> [String] {
                all.filter { $0.type == type.rawValue }.compactMap { JSONValue(jsonText: $0.data)?["notification_id"]?.stringValue }
            }
            let queued = Set(notificationIDs(.notificationQueued))
            let delivered = notificationIDs(.notificationDelivered)
            let sentIDs = Set(app.accepted.map(\.webhookID))
            #expect(queued.count == jobs, "one notification per completed job: \(queued.count)")
            #expect(sentIDs == queued, "the app saw exactly the queued notifications' ids")
            #expect(delivered.count == Set(delivered).count && Set(delivered) == queued, "each recorded delivered once")
            #expect(try await after.verify().isSound)
            print("notifier holder killed: taken over and all delivered within \(takeover); "
                  + "\(app.accepted.count) deliveries for \(queued.count) notifications")
        }
    }

    /// `count` `ledger serve` processes on the ledger at `url`, with the storm's keys and secret.
    /// Behind a load balancer the next page may come from the other node:
    /// a person signed in on one is signed in on both, and signing out on
    /// either ends it there.
    @Test func anAdminSignedInOnOneNodeIsSignedInOnTheOther() async throws {
        let url = try ThrowawayPostgres.shared().newDatabase()
        await (try await PostgresEventStore.open(url: url)).close()
        let nodes = try await Self.startNodes(2, url: url)
        defer { for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) } }
        let (a, b) = ("http://127.0.0.1:\(nodes[0].port)", "http://127.0.0.1:\(nodes[1].port)")
        let jar = Fixtures.temporaryDatabasePath("cookies.txt")
        let login = try await ServeProcessTests.curl(["-c", jar, "-o", "/dev/null", "-w", "%{http_code}", "-d", "key=\(AdminPagesTests.admin)",
                                                      a + "/admin/login"]).output
        #expect(login == "303")
        let page = try await ServeProcessTests.curl(["-b", jar, b + "/admin/refunds"]).output
        #expect(page.contains("Refunds and their evidence"), "node B honours node A's session: \(page.prefix(200))")
        let out = try await ServeProcessTests.curl(["-b", jar, "-c", jar, "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", b + "/admin/logout"]).output
        #expect(out == "303")
        let after = try await ServeProcessTests.curl(["-b", jar, "-o", "/dev/null", "-w", "%{http_code}", a + "/admin/refunds"]).output
        #expect(after == "303", "the browser dropped the cookie")
        for node in nodes { kill(node.process.processIdentifier, SIGTERM) }
        for node in nodes { await node.process.exited() }
    }

    static func startNodes(_ count: Int, url: String,
                           environment: [String: String] = [:]) async throws -> [(process: Process, port: Int)] {
        var nodes: [(process: Process, port: Int)] = []
        for _ in 0..<count {
            let port = ServeProcessTests.freePort()
            let base = ["LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_PROVIDER_REPLICATE_SECRET": secret]
            do {
                nodes.append((try await ServeProcessTests.startServer(["--db", url, "--port", String(port)], port: port,
                                                                      environment: base.merging(environment) { $1 }), port))
            } catch {
                for node in nodes { kill(node.process.processIdentifier, SIGKILL) }
                throw error
            }
        }
        return nodes
    }
}
