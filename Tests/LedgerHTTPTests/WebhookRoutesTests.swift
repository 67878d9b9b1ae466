import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerProviders
import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

@Suite struct StandardWebhookVerifierTests {
    /// The published Standard Webhooks test vector.
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let body = Data(#"{"test": 2432232314}"#.utf8)

    @Test func theTestVectorSignsAndVerifies() throws {
        let verifier = try StandardWebhookVerifier(secret: Self.secret)
        let signature = try #require(verifier.sign(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", body: Self.body))
        #expect("v1," + signature.base64EncodedString() == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        try verifier.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                            signatures: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body: Self.body, now: 1_614_265_330)
    }

    @Test(arguments: [
        ("a changed body", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", Data(#"{"test": 2432232315}"#.utf8), Int64(1_614_265_330)),
        ("another id", "msg_other", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1_614_265_330),
        ("stale", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1_614_265_631),
        ("from the future", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1_614_265_029),
        ("wrong scheme", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1_614_265_330),
        ("not base64", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,%%%", body, 1_614_265_330),
        ("no timestamp", "msg_p5jXN8AQM9LWM0D4loKWxJek", "soon", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body, 1_614_265_330),
        // Found by review: the subtraction overflowed and trapped, before any signature was checked.
        ("a timestamp at Int64.min", "msg_p5jXN8AQM9LWM0D4loKWxJek", "-9223372036854775808", "v1,AAAA", body, 1_614_265_330),
        ("a timestamp at Int64.max", "msg_p5jXN8AQM9LWM0D4loKWxJek", "9223372036854775807", "v1,AAAA", body, -1_614_265_330),
    ])
    func forgeriesAreRefused(_ name: String, _ id: String, _ timestamp: String, _ signatures: String, _ body: Data, _ now: Int64) throws {
        let verifier = try StandardWebhookVerifier(secret: Self.secret)
        #expect(throws: WebhookRejection.self, "\(name)") {
            try verifier.verify(id: id, timestamp: timestamp, signatures: signatures, body: body, now: now)
        }
    }

    @Test func anyOfSeveralSignaturesPassesSoSecretsCanRotate() throws {
        let verifier = try StandardWebhookVerifier(secret: Self.secret)
        try verifier.verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                            signatures: "v1,AAAA v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body: Self.body,
                            now: 1_614_265_330)
    }
}

extension StandardWebhookVerifierTests {
    /// The test vector's `v1` signature.
    static let vectorSignature = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    /// The header is read as bytes: entries split on spaces (however many),
    /// each `version,value`; an entry that is not one is passed over, and a
    /// good `v1` anywhere passes.
    @Test(arguments: ["  v1,\(vectorSignature)  ", "v1, v1,\(vectorSignature)", "x v1,\(vectorSignature)",
                      "v1a,AAAA v1,\(vectorSignature)", "v3,zz v1,\(vectorSignature)", "v1,AAAA  v1,\(vectorSignature)",
                      "v1,\(vectorSignature) v1,%%%", "v1,\(vectorSignature) \u{301}", "x\u{600} v1,\(vectorSignature)",
                      ",v1,AAAA v1,\(vectorSignature)"])
    func aGoodV1AmongOtherEntriesPasses(_ header: String) throws {
        try StandardWebhookVerifier(secret: Self.secret).verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                                               signatures: header, body: Self.body, now: 1_614_265_330)
    }

    /// The version is matched exactly, and the value is the whole rest of the entry.
    @Test(arguments: ["V1,\(vectorSignature)", "v11,\(vectorSignature)", "v,\(vectorSignature)", "v1a,\(vectorSignature)",
                      "v3,\(vectorSignature)", "v1 ,\(vectorSignature)", ",\(vectorSignature)", ",v1,\(vectorSignature)",
                      "v1,\(vectorSignature),extra", "v1,\(vectorSignature)\u{301}", "v1\u{301},\(vectorSignature)", "", " "])
    func entriesNotExactlyAV1SignatureAreRefused(_ header: String) throws {
        #expect(throws: WebhookRejection.self) {
            try StandardWebhookVerifier(secret: Self.secret).verify(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                                                   signatures: header, body: Self.body, now: 1_614_265_330)
        }
    }

    /// WaveSpeed's `v3` (hex, keyed with the secret's text) is found among
    /// other entries too, and only with the configured signing secret.
    @Test func aGoodV3AmongOtherEntriesPasses() throws {
        let verifier = StandardWebhookVerifier(credentials: try WebhookCredentials.signingOnly("whsec_wavespeed-signing-0123"))
        let hex = try #require(verifier.signV3(id: "msg_1", timestamp: "1614265330", body: Self.body))
        for header in ["v1,\(Self.vectorSignature) v3,\(hex)", "v3,00 v3,\(hex)", "  v3,\(hex)"] {
            try verifier.verify(id: "msg_1", timestamp: "1614265330", signatures: header, body: Self.body, now: 1_614_265_330)
        }
        for header in ["v1,\(Self.vectorSignature)", "v3,\(hex.dropLast(2))", "v3,\(hex)00", "V3,\(hex)", "v3 ,\(hex)"] {
            #expect(throws: WebhookRejection.self, "\(header)") {
                try verifier.verify(id: "msg_1", timestamp: "1614265330", signatures: header, body: Self.body, now: 1_614_265_330)
            }
        }
    }
}

@Suite struct WebhookRoutesTests {
    static let secret = StandardWebhookVerifierTests.secret
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func withApp(_ test: @escaping @Sendable (any TestClientProtocol, SQLiteEventStore) async throws -> Void) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys), requestBodyBytesMax: 4096,
                                      providers: try ProviderRegistry(secrets: ["replicate": Self.secret]), now: { Self.now })
        try await Application(router: buildRouter(services)).test(.router) { client in try await test(client, store) }
    }

    static func signed(_ body: String, id: String, at time: Date = now, secret: String = secret) throws -> HTTPFields {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        let signature = try #require(try StandardWebhookVerifier(secret: secret).sign(id: id, timestamp: timestamp, body: Data(body.utf8)))
        var headers: HTTPFields = [.contentType: "application/json"]
        headers[.init("webhook-id")!] = id
        headers[.init("webhook-timestamp")!] = timestamp
        headers[.init("webhook-signature")!] = "v1," + signature.base64EncodedString()
        return headers
    }

    static let succeeded = #"{"id":"pred_1","status":"succeeded","output":["https://cdn.example/1.mp4"],"error":null}"#

    @Test func aSignedCompletionCompletesTheJobAndItsRepeatIsADuplicate() async throws {
        try await withApp { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
            let headers = try Self.signed(Self.succeeded, id: "msg_1")
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.succeeded)) {
                #expect($0.status == .ok)
                let answer = JSONValue(jsonText: String(buffer: $0.body))
                #expect(answer?["recorded"] == .bool(true) && answer?["job_id"] == .string("j1") && answer?["duplicate"] == .bool(false))
                #expect(answer?["position"] == .int(2))
            }
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.succeeded)) {
                #expect(JSONValue(jsonText: String(buffer: $0.body))?["duplicate"] == .bool(true))
            }
            let job = try #require(try await store.job("j1"))
            #expect(job.status == .completed && job.completionSource == .webhook && job.duplicateCount == 1)
            #expect(job.outputs == .array([.string("https://cdn.example/1.mp4")]))
        }
    }

    @Test func aWebhookForNoKnownJobIsStoredAsAnOrphan() async throws {
        try await withApp { client, store in
            let headers = try Self.signed(Self.succeeded, id: "msg_9")
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.succeeded)) {
                #expect($0.status == .ok)
                #expect(JSONValue(jsonText: String(buffer: $0.body))?["job_id"] == .null)
            }
            #expect(try await store.events(inStream: "orphans-replicate").count == 1)
        }
    }

    /// The same JSON as ``succeeded``, as a proxy might re-serialise it.
    static let reEncodings = [
        ("other spacing", #"{"id": "pred_1", "status": "succeeded", "output": ["https://cdn.example/1.mp4"], "error": null}"#),
        ("other key order", #"{"status":"succeeded","id":"pred_1","output":["https://cdn.example/1.mp4"],"error":null}"#),
        ("escaped characters", #"{"id":"pred_1","status":"succ\u0065eded","output":["https:\/\/cdn.example\/1.mp4"],"error":null}"#),
        ("a trailing newline", succeeded + "\n"),
    ]

    /// The signature covers the bytes as sent: a body that means the same
    /// JSON in other bytes is refused, and nothing is stored or decided.
    @Test(arguments: 0..<reEncodings.count)
    func aSignedBodyReSerialisedByAProxyIsRefused(_ index: Int) async throws {
        let (name, reEncoded) = Self.reEncodings[index]
        #expect(JSONValue(jsonText: reEncoded) == JSONValue(jsonText: Self.succeeded), "\(name): the same JSON")
        let headers = try Self.signed(Self.succeeded, id: "msg_1")
        try await withApp { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
            let before = try await store.head()
            let status = try await store.job("j1")?.status
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: reEncoded)) {
                #expect($0.status == .unauthorized, "\(name)")
            }
            #expect(try await store.head() == before, "\(name): nothing stored")
            #expect(try await store.job("j1")?.status == status)
            try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: headers, body: ByteBuffer(string: Self.succeeded)) {
                #expect($0.status == .ok, "the bytes that were signed still pass")
            }
        }
    }

    /// A delivery signed up to five minutes before or after the server's clock is taken
    /// (Standard Webhooks' tolerance): providers' queues deliver late, and a 401 ends
    /// their retries. The refusing side is `badDeliveries`' stale timestamp.
    @Test func aDeliverySignedWithinFiveMinutesEitherSideIsTaken() async throws {
        try await withApp { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
            for (offset, body) in [(-295.0, #"{"id":"pred_1","status":"starting"}"#), (295.0, #"{"id":"pred_1","status":"processing"}"#)] {
                try await client.execute(uri: "/v1/webhooks/replicate", method: .post,
                                         headers: try Self.signed(body, id: "m\(offset)", at: Self.now.addingTimeInterval(offset)),
                                         body: ByteBuffer(string: body)) {
                    #expect($0.status == .ok, "signed \(offset) s from now: \(String(buffer: $0.body))")
                }
            }
            #expect(try await store.job("j1")?.webhookCount == 2)
        }
    }

    static let badDeliveries: [(String, String, String, @Sendable (String) throws -> HTTPFields, HTTPResponse.Status)] = [
        ("forged signature", "replicate", succeeded, { body in try signed(body, id: "m", secret: "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()) }, .unauthorized),
        ("stale timestamp", "replicate", succeeded, { body in try signed(body, id: "m", at: now.addingTimeInterval(-600)) }, .unauthorized),
        ("no signature headers", "replicate", succeeded, { _ in [.contentType: "application/json"] }, .unauthorized),
        ("unknown provider", "acme", succeeded, { body in try signed(body, id: "m") }, .notFound),
        // The ledger's own set-up is missing, not the provider's fault: a 503 it retries (a 401 ends its retries).
        ("provider without a secret", "standard", succeeded, { body in try signed(body, id: "m") }, .serviceUnavailable),
        ("signed but not JSON", "replicate", "{not json", { body in try signed(body, id: "m") }, .badRequest),
        ("signed but no id", "replicate", #"{"status":"succeeded"}"#, { body in try signed(body, id: "m") }, .badRequest),
        ("signed but an id that could collide", "replicate", #"{"id":"pre\u0301d","status":"succeeded"}"#, { body in try signed(body, id: "m") }, .badRequest),
        ("oversized", "replicate", #"{"id":"p","status":"processing","logs":""# + String(repeating: "x", count: 5000) + "\"}", { body in try signed(body, id: "m") }, .contentTooLarge),
    ]

    /// JSON the ledger does not read is refused with the parser's reason (it said "not JSON"
    /// of a valid body holding 1e309 or 65 levels of nesting, hiding what to change).
    @Test func aBodyTheParserRefusesIsNamedWithItsReason() async throws {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        for (body, reason) in [(#"{"id":"pred_1","status":"processing","input":{"scale":1e309}}"#, "bad number 1e309"),
                               (#"{"id":"pred_1","status":"processing","input":"# + deep + "}", "nested deeper than 64")] {
            try await withApp { client, _ in
                try await client.execute(uri: "/v1/webhooks/replicate", method: .post, headers: try Self.signed(body, id: "m"),
                                         body: ByteBuffer(string: body)) {
                    #expect($0.status == .badRequest && String(buffer: $0.body).contains(reason), "\(String(buffer: $0.body))")
                }
            }
        }
    }

    @Test(arguments: 0..<badDeliveries.count)
    func badDeliveriesAreRefusedAndChangeNothing(_ index: Int) async throws {
        let (name, provider, body, headers, status) = Self.badDeliveries[index]
        let fields = try headers(body)
        try await withApp { client, store in
            try await client.execute(uri: "/v1/webhooks/\(provider)", method: .post, headers: fields, body: ByteBuffer(string: body)) {
                #expect($0.status == status, "\(name)")
                #expect($0.headers[.contentType] == "application/problem+json", "\(name)")
                // Anyone may post here: a refusal does not tell which providers this ledger uses.
                #expect(!String(buffer: $0.body).contains("wavespeed"), "\(name): \(String(buffer: $0.body))")
            }
            #expect(try await store.head() == .genesis, "\(name)")
        }
    }
}
