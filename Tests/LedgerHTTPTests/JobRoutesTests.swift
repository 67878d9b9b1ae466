import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The router in-process, over a real SQLite file.
@Suite struct JobRoutesTests {
    static let keys = "app:app-key-0123456789abcdef,admin:admin-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"

    func withApp(bodyBytesMax: Int = 1 << 20,
                 _ test: @escaping @Sendable (any TestClientProtocol, SQLiteEventStore) async throws -> Void) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: Self.keys), requestBodyBytesMax: bodyBytesMax)
        let app = Application(router: buildRouter(services))
        try await app.test(.router) { client in try await test(client, store) }
    }

    static func headers(_ key: String?) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json"]
        if let key { fields[.authorization] = "Bearer \(key)" }
        return fields
    }

    static let app = headers("app-key-0123456789abcdef")
    static let auditor = headers("auditor-key-0123456789abcd")
    static let registration = #"{"job_id":"j1","account":"acct_1","provider":"replicate","operation":"video","cost":30}"#

    static func json(_ response: TestResponse) -> JSONValue? { JSONValue(jsonText: String(buffer: response.body)) }

    @Test func healthAndReadiness() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func registrationIsIdempotentOnJobID() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: Self.registration)) {
                #expect($0.status == .created)
                #expect(Self.json($0)?["status"] == .string("registered"))
                #expect(Self.json($0)?["cost"] == .int(30))
            }
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: Self.registration)) {
                #expect($0.status == .ok)
            }
            let other = Self.registration.replacingOccurrences(of: "30", with: "31")
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: other)) {
                #expect($0.status == .conflict)
                #expect($0.headers[.contentType] == "application/problem+json")
                #expect(Self.json($0)?["detail"]?.stringValue?.contains("cost") == true)
            }
        }
    }

    @Test func theJobItsEventsAndACancellationWithItsRefund() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: Self.registration))
            try await client.execute(uri: "/v1/jobs/j1/submitted", method: .post, headers: Self.app,
                                     body: ByteBuffer(string: #"{"external_id":"pred_1"}"#)) {
                #expect(Self.json($0)?["status"] == .string("processing"))
            }
            try await client.execute(uri: "/v1/jobs/j1/cancel", method: .post, headers: Self.app,
                                     body: ByteBuffer(string: #"{"reason":"user cancelled"}"#)) {
                #expect(Self.json($0)?["status"] == .string("cancelled"))
                #expect(Self.json($0)?["refunded_amount"] == .int(30))
            }
            try await client.execute(uri: "/v1/jobs/j1/cancel", method: .post, headers: Self.app,
                                     body: ByteBuffer(string: #"{"reason":"again"}"#)) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/v1/jobs/j1/events", method: .get, headers: Self.auditor) {
                guard case .array(let events) = Self.json($0)?["events"] else { Issue.record("no events"); return }
                #expect(events.compactMap { $0["type"]?.stringValue } == ["job.registered", "job.submitted", "job.cancelled", "credit.refunded"])
                #expect(Self.json($0)?["next_cursor"] == .null)
            }
            try await client.execute(uri: "/v1/jobs/nope", method: .get, headers: Self.auditor) { #expect($0.status == .notFound) }
        }
    }

    /// A job id may hold `/`, `?` or `%` (it is registered in a body); its
    /// path escapes them (RFC 3986), and every route reads the id decoded:
    /// `a%2Fb` is job `a/b`, never a job named `a%2Fb`, and a broken escape is a 400.
    @Test func aJobIdWithReservedCharactersIsReachedByItsEscapedPath() async throws {
        try await withApp { client, _ in
            for id in ["a/b", "a%2Fb", "a?b", "a#b"] {
                let body = #"{"job_id":"\#(id)","account":"acct_1","provider":"replicate","operation":"video","cost":3}"#
                try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: body)) {
                    #expect($0.status == .created, "\(id)")
                }
            }
            for (path, id) in [("a%2Fb", "a/b"), ("a%252Fb", "a%2Fb"), ("a%3Fb", "a?b"), ("a%23b", "a#b"), ("%61%2f%62", "a/b")] {
                try await client.execute(uri: "/v1/jobs/\(path)", method: .get, headers: Self.auditor) {
                    #expect($0.status == .ok && Self.json($0)?["job_id"] == .string(id), "\(path)")
                }
            }
            try await client.execute(uri: "/v1/jobs/a%3Fb/cancel", method: .post, headers: Self.app,
                                     body: ByteBuffer(string: #"{"reason":"user cancelled"}"#)) {
                #expect(Self.json($0)?["job_id"] == .string("a?b") && Self.json($0)?["status"] == .string("cancelled"))
            }
            try await client.execute(uri: "/v1/jobs/a%zzb", method: .get, headers: Self.auditor) { #expect($0.status == .badRequest) }
        }
    }

    /// Each bad request gets a clear problem and leaves the log as it was.
    @Test(arguments: [
        ("no key", nil as String?, registration, HTTPResponse.Status.unauthorized),
        ("unknown key", "not-a-key-at-all-really", registration, .unauthorized),
        ("auditor cannot register", "auditor-key-0123456789abcd", registration, .forbidden),
        ("not JSON", "app-key-0123456789abcdef", "{job_id", .badRequest),
        ("missing field", "app-key-0123456789abcdef", #"{"job_id":"j2","account":"a","provider":"p","cost":1}"#, .badRequest),
        ("wrong type", "app-key-0123456789abcdef", #"{"job_id":"j2","account":"a","provider":"p","operation":"o","cost":"ten"}"#, .badRequest),
        ("negative cost", "app-key-0123456789abcdef", #"{"job_id":"j2","account":"a","provider":"replicate","operation":"o","cost":-5}"#, .badRequest),
        ("unicode id", "app-key-0123456789abcdef", #"{"job_id":"j\u0301","account":"a","provider":"replicate","operation":"o","cost":1}"#, .badRequest),
        ("unknown provider", "app-key-0123456789abcdef", #"{"job_id":"j2","account":"a","provider":"Replicate","operation":"o","cost":1}"#, .notFound),
        ("a field the API does not read", "app-key-0123456789abcdef",
         #"{"job_id":"j2","account":"a","provider":"replicate","operation":"o","cost":1,"externalId":"p_1"}"#, .badRequest),
        ("SQL in an id", "app-key-0123456789abcdef", #"{"job_id":"x'; DROP TABLE events;--","account":"a","provider":"replicate","operation":"o","cost":1}"#, .badRequest),
    ])
    func badRegistrationsChangeNothing(_ name: String, _ key: String?, _ body: String, _ status: HTTPResponse.Status) async throws {
        try await withApp { client, store in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.headers(key), body: ByteBuffer(string: body)) {
                #expect($0.status == status, "\(name)")
                #expect($0.headers[.contentType] == "application/problem+json", "\(name)")
                #expect(Self.json($0)?["detail"]?.stringValue?.isEmpty == false, "\(name)")
            }
            #expect(try await store.head() == .genesis, "\(name)")
        }
    }

    /// A job registered with the provider's id is submitted (processing) from
    /// its registration: `submitted_at` says when, not null.
    @Test func aJobRegisteredWithItsExternalIDWasSubmittedThen() async throws {
        try await withApp { client, _ in
            let with = #"{"job_id":"j1","account":"a","provider":"replicate","operation":"o","cost":1,"external_id":"p_1"}"#
            let without = #"{"job_id":"j2","account":"a","provider":"replicate","operation":"o","cost":1}"#
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: with)) {
                let job = Self.json($0)
                #expect(job?["status"] == .string("processing") && job?["submitted_at"] != nil && job?["submitted_at"] != .null
                        && job?["submitted_at"] == job?["registered_at"], "\(String(buffer: $0.body))")
            }
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: without)) {
                #expect(Self.json($0)?["submitted_at"] == .null, "\(String(buffer: $0.body))")
            }
        }
    }

    /// A typo in a field's name or the provider's is said, not dropped: the
    /// job would otherwise wait for webhooks that can never reach it.
    @Test func aMisspeltFieldOrProviderIsNamed() async throws {
        try await withApp { client, store in
            let cases = [
                (#"{"job_id":"j2","account":"a","provider":"replicate","operation":"o","cost":1,"externalId":"p_1"}"#,
                 #"the body has a field the API does not read: "externalId" (did you mean external_id?)"#),
                (#"{"job_id":"j2","account":"a","provider":"replicate","operation":"o","cost":1,"callback":"x"}"#,
                 "(it reads job_id, account, provider, operation, cost, external_id, metadata)"),
                (#"{"job_id":"j2","account":"a","provider":"Replicate","operation":"o","cost":1}"#,
                 #"no provider "Replicate" is built in or configured ("#),
            ]
            for (body, says) in cases {
                try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: body)) {
                    #expect(Self.json($0)?["detail"]?.stringValue?.contains(says) == true, "\(String(buffer: $0.body))")
                }
            }
            let cancel = #"{"reason":"user","reason_code":7}"#
            _ = try await store.execute(Fixtures.register("j1", cost: 7))
            try await client.execute(uri: "/v1/jobs/j1/cancel", method: .post, headers: Self.app, body: ByteBuffer(string: cancel)) {
                #expect($0.status == .badRequest && String(buffer: $0.body).contains("reason_code"))
            }
            #expect(try await store.head().position == 1, "nothing written")
        }
    }

    /// The scheme's name is case-insensitive (RFC 9110, 11.1); anything but a
    /// bearer key is refused.
    @Test(arguments: [
        ("Bearer app-key-0123456789abcdef", HTTPResponse.Status.ok),
        ("bearer app-key-0123456789abcdef", .ok),
        ("BEARER  app-key-0123456789abcdef", .ok),
        ("Bearerapp-key-0123456789abcdef", .unauthorized),
        ("Basic app-key-0123456789abcdef", .unauthorized),
        ("Bearer", .unauthorized),
        ("app-key-0123456789abcdef", .unauthorized),
    ])
    func theAuthorizationHeader(_ header: String, _ status: HTTPResponse.Status) async throws {
        try await withApp { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 7))
            let fields: HTTPFields = [.authorization: header]
            try await client.execute(uri: "/v1/jobs/j1", method: .get, headers: fields) {
                #expect($0.status == status, "\(header)")
                #expect(($0.headers[.wwwAuthenticate] == #"Bearer realm="ledger""#) == (status == .unauthorized), "\(header)")
            }
        }
    }

    @Test func anOversizedBodyIs413AndChangesNothing() async throws {
        try await withApp(bodyBytesMax: 256) { client, store in
            let huge = #"{"job_id":"j9","account":"a","provider":"p","operation":"o","cost":1,"metadata":{"pad":""#
                + String(repeating: "x", count: 4096) + "\"}}"
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Self.app, body: ByteBuffer(string: huge)) {
                #expect($0.status == .contentTooLarge)
            }
            #expect(try await store.head() == .genesis)
        }
    }
}
