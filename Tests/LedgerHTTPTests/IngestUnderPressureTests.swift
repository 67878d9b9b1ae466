import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerProviders
import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// A real server on loopback, real signatures.
@Suite(.serialized) struct IngestUnderPressureTests {
    static let body = WebhookRoutesTests.succeeded

    /// Real concurrency through AsyncHTTPClient's connection pool: the `.live`
    /// test client sends over one connection, so its hundred requests went one
    /// after another, each waiting for its own fsync, and the last passed the
    /// client's 20 s timeout on a busy machine. One heavy test at a time besides.
    @Test func oneHundredConcurrentIdenticalDeliveriesMakeOneDecision() async throws {
        try await HeavyTests.one { try await oneHundredConcurrentIdenticalDeliveries() }
    }

    func oneHundredConcurrentIdenticalDeliveries() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys),
                                      providers: try ProviderRegistry(secrets: ["replicate": WebhookRoutesTests.secret]), now: { WebhookRoutesTests.now })
        let headers = try WebhookRoutesTests.signed(Self.body, id: "msg_same")
        try await Application(router: buildRouter(services)).test(.ahc(.http)) { client in
            // 16 in flight at a time (the pool's 8 connections, and 8 waiting): a hundred queued
            // at once waited over the pool's 10 s for a connection behind a full suite on 2 cores.
            let duplicates = try await withThrowingTaskGroup(of: Bool.self) { group in
                var counted = 0
                for index in 0..<100 {
                    if index >= 16, try await group.next() == true { counted += 1 }
                    group.addTask {
                        try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers,
                                                 body: ByteBuffer(string: Self.body)) { response in
                            #expect(response.status == .ok)
                            return JSONValue(jsonText: String(buffer: response.body))?["duplicate"] == .bool(true)
                        }
                    }
                }
                return try await group.reduce(into: counted) { $0 += $1 ? 1 : 0 }
            }
            #expect(duplicates == 99)
        }
        let types = try await store.events(inStream: "job-j1").map(\.type)
        #expect(types.filter { $0 == "job.completed" }.count == 1)
        #expect(types.filter { $0 == "webhook.received" }.count == 100)
    }

    @Test func whileAnotherProcessHoldsTheWriteLockIngestAnswers503AndRecovers() async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path, options: StoreOptions(busyTimeoutMilliseconds: 100))
        _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys),
                                      providers: try ProviderRegistry(secrets: ["replicate": WebhookRoutesTests.secret]), now: { WebhookRoutesTests.now })
        let headers = try WebhookRoutesTests.signed(Self.body, id: "msg_1")
        // Another process (the sqlite3 shell) takes the write lock and keeps it.
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        locker.arguments = [path]
        let input = Pipe()
        locker.standardInput = input
        locker.standardOutput = FileHandle.nullDevice
        try locker.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 1;\n".utf8))
        try await Self.waitUntilLocked(path)
        try await Application(router: buildRouter(services)).test(.router) { client in
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.body)) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.retryAfter] == "5")
            }
            #expect(try await client.execute(uri: "/readyz", method: .get) { $0.status } == .serviceUnavailable)
            #expect(try await ObservabilityTests.metric(client, "ledger_ready") == 0)
            input.fileHandleForWriting.write(Data("ROLLBACK;\n.quit\n".utf8))
            await locker.exited()
            #expect(try await store.head().position == 1, "nothing was stored while locked out")
            // Readiness recovers by itself once the database takes writes again.
            #expect(try await client.execute(uri: "/readyz", method: .get) { $0.status } == .ok)
            #expect(try await ObservabilityTests.metric(client, "ledger_ready") == 1)
            // The provider retries: this time it is stored.
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.body)) {
                #expect($0.status == .ok)
            }
        }
        #expect(try await store.job("j1")?.status == .completed)
        #expect(try await store.verify().isSound)
    }

    /// Polls (for up to 15 s: the sqlite3 shell once took over 5 s to start behind the
    /// whole suite) until another connection holds the write lock.
    static func waitUntilLocked(_ path: String) async throws {
        var configuration = Configuration()
        configuration.busyMode = .immediateError
        let probe = try DatabaseQueue(path: path, configuration: configuration)
        for _ in 0..<300 {
            let locked: Bool = try await probe.writeWithoutTransaction { db in
                do {
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    try db.execute(sql: "ROLLBACK")
                    return false
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return true
                }
            }
            if locked { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the sqlite3 shell never took the write lock")
    }
}
