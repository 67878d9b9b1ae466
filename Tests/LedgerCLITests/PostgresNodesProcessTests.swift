import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerCore
import LedgerPostgres
import LedgerProviders
import LedgerStore
import LedgerTesting
import Testing

/// Two `ledger serve` processes on one PostgreSQL ledger, as a load balancer
/// would use them: every delivery sent to both nodes at once, failures and
/// late successes mixed in.
@Suite struct PostgresNodesProcessTests {
    static let secret = KillUnderStormTests.secret

    @Test func twoServeNodesUnderAStormKeepOneChainAndRefundOnce() async throws {
        let url = try ThrowawayPostgres.shared().newDatabase()
        let setup = try await PostgresEventStore.open(url: url)
        let jobs = 20
        for index in 0..<jobs { _ = try await setup.execute(Fixtures.register("job_\(index)", cost: 10, externalID: "ext_\(index)")) }
        await setup.close()
        var nodes: [(process: Process, port: Int)] = []
        defer { for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) } }
        for _ in 0..<2 {
            let port = ServeProcessTests.freePort()
            nodes.append((try await ServeProcessTests.startServer(["--db", url, "--port", String(port)], port: port, environment: [
                "LEDGER_KEYS": ServeProcessTests.keys, "LEDGER_PROVIDER_REPLICATE_SECRET": Self.secret,
            ]), port))
        }
        let signer = try StandardWebhookVerifier(secret: Self.secret)
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
                        let timestamp = String(Int64(Date().timeIntervalSince1970))
                        let signature = signer.sign(id: delivery, timestamp: timestamp, body: Data(body.utf8))!.base64EncodedString()
                        let answers = try await withThrowingTaskGroup(of: Int.self) { both in
                            for port in ports {
                                both.addTask {
                                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/webhooks/replicate")!)
                                    request.httpMethod = "POST"
                                    request.timeoutInterval = 10
                                    request.setValue(delivery, forHTTPHeaderField: "webhook-id")
                                    request.setValue(timestamp, forHTTPHeaderField: "webhook-timestamp")
                                    request.setValue("v1,\(signature)", forHTTPHeaderField: "webhook-signature")
                                    request.httpBody = Data(body.utf8)
                                    let (_, response) = try await session.data(for: request)
                                    return (response as? HTTPURLResponse)?.statusCode ?? 0
                                }
                            }
                            return try await both.reduce(into: [Int]()) { $0.append($1) }
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
}
