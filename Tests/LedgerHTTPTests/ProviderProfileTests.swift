import Crypto
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

@Suite struct JSONPointerTests {
    static let document = JSONValue(jsonText: #"{"foo":["bar","baz"],"":0,"a/b":1,"m~n":2,"data":{"id":"x"}}"#)!

    @Test(arguments: [
        ("", document), ("/foo", JSONValue.array([.string("bar"), .string("baz")])), ("/foo/0", .string("bar")),
        ("/", .int(0)), ("/a~1b", .int(1)), ("/m~0n", .int(2)), ("/data/id", .string("x")),
    ])
    func theRFCExamplesResolve(_ text: String, _ expected: JSONValue) throws {
        #expect(try #require(JSONPointer(text)).resolve(in: Self.document) == expected)
    }

    @Test(arguments: ["/foo/2", "/foo/01", "/foo/-1", "/missing", "/data/id/deeper", "/foo/x"])
    func missingPlacesResolveToNothing(_ text: String) throws {
        #expect(try #require(JSONPointer(text)).resolve(in: Self.document) == nil)
    }

    @Test(arguments: ["foo", "/a~2b", "/a~"])
    func invalidPointersAreRefused(_ text: String) {
        #expect(JSONPointer(text) == nil)
    }
}

@Suite struct ProviderProfileTests {
    static let now = WebhookRoutesTests.now
    static let token = "wavespeed-token-0123456789"
    static let ncaToken = "nca-token-abcdefghijklmnop"
    /// A fixed Ed25519 seed, so failures reproduce.
    static let seed = Data((1...32).map { UInt8($0) })
    static var publicKey: String {
        "whpk_" + (try! Curve25519.Signing.PrivateKey(rawRepresentation: seed)).publicKey.rawRepresentation.base64EncodedString()
    }
    static var secretKey: String { "whsk_" + seed.base64EncodedString() }
    static let acme: [String: JSONValue] = [
        "authentication": .string("standard_webhooks"), "envelopes": .array([.string("/payload")]),
        "external_id": .string("/ref"), "status": .string("/state"), "outputs": .string("/result/urls"),
        "error": .string("/problem"),
        "status_map": .object(["done": .string("completed"), "broken": .string("failed"), "busy": .string("processing")]),
    ]

    func withApp(_ test: @escaping @Sendable (any TestClientProtocol, SQLiteEventStore) async throws -> Void) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        var profiles = ProviderProfile.builtIn
        profiles["acme"] = try ProviderProfile(configuredAs: "acme", Self.acme)
        let registry = try ProviderRegistry(profiles: profiles, secrets: [
            "wavespeed": Self.token, "nca": "old-token-is-rotating-out " + Self.ncaToken,
            "standard": Self.publicKey, "acme": WebhookRoutesTests.secret,
        ])
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys), providers: registry, now: { Self.now })
        try await Application(router: buildRouter(services)).test(.router) { client in try await test(client, store) }
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, JSONValue?) {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
            ($0.status, JSONValue(jsonText: String(buffer: $0.body)))
        }
    }

    @Test func wavespeedAuthenticatesByQueryTokenAndMayWrapItsBodyInData() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", externalID: "ws_1", provider: "wavespeed"))
            let body = #"{"data":{"id":"ws_1","status":"completed","outputs":["https://cdn.example/a.png"],"error":""}}"#
            let (status, answer) = try await post(client, "/v1/webhooks/wavespeed?token=\(Self.token)", body)
            #expect(status == .ok && answer?["job_id"] == .string("j1"))
            let repeated = try await post(client, "/v1/webhooks/wavespeed?token=\(Self.token)", body)
            #expect(repeated.1?["duplicate"] == .bool(true), "the same body again is a duplicate, though no delivery id exists")
            let job = try #require(try await store.job("j1"))
            #expect(job.status == .completed && job.outputs == .array([.string("https://cdn.example/a.png")]))
            #expect(job.webhookCount == 2 && job.duplicateCount == 1)
        }
    }

    @Test(arguments: ["", "?token=", "?token=wavespeed-token-0123456788", "?tok=wavespeed-token-0123456789",
                      "?token=wavespeed-token-01234567890"])
    func aWrongOrMissingTokenIsRefusedAndChangesNothing(_ query: String) async throws {
        try await withApp { client, store async throws in
            let body = #"{"id":"ws_1","status":"completed"}"#
            #expect(try await post(client, "/v1/webhooks/wavespeed\(query)", body).0 == .unauthorized)
            #expect(try await store.head() == .genesis)
        }
    }

    @Test func ncaCode200CompletesAnyOtherCodeFailsAndEitherRotatedTokenPasses() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "nca_1", provider: "nca"))
            _ = try await store.execute(Fixtures.register("j2", cost: 10, externalID: "nca_2", provider: "nca"))
            let ok = #"{"job_id":"nca_1","id":"j1","code":200,"response":"https://cdn.example/v.mp4","message":"success"}"#
            #expect(try await post(client, "/v1/webhooks/nca?token=\(Self.ncaToken)", ok).0 == .ok)
            let failed = #"{"job_id":"nca_2","code":500,"response":null,"message":"ffmpeg exited 1"}"#
            #expect(try await post(client, "/v1/webhooks/nca?token=old-token-is-rotating-out", failed).0 == .ok)
            let done = try #require(try await store.job("j1"))
            #expect(done.status == .completed && done.outputs == .string("https://cdn.example/v.mp4"))
            let broken = try #require(try await store.job("j2"))
            #expect(broken.status == .failed && broken.refundedAmount == 10 && broken.providerStatus == "500")
        }
    }

    @Test func v1aEd25519SignaturesAreAcceptedWhereV1Is() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", externalID: "ext_1", provider: "standard"))
            let body = #"{"type":"job.completed","data":{"external_id":"ext_1","status":"completed","outputs":{"url":"u"}}}"#
            let timestamp = String(Int64(Self.now.timeIntervalSince1970))
            let signature = try StandardWebhookVerifier.signEd25519(id: "msg_a", timestamp: timestamp, body: Data(body.utf8),
                                                                    secretKey: Self.secretKey)
            var headers: HTTPFields = [:]
            headers[.init("webhook-id")!] = "msg_a"
            headers[.init("webhook-timestamp")!] = timestamp
            headers[.init("webhook-signature")!] = "v1,bm90IGl0 v1a," + signature.base64EncodedString()
            #expect(try await post(client, "/v1/webhooks/standard", body, headers: headers).0 == .ok)
            #expect(try await store.job("j1")?.status == .completed)

            // The same signature over another body, and another key's signature, are forgeries.
            let forged = body.replacingOccurrences(of: "ext_1", with: "ext_2")
            #expect(try await post(client, "/v1/webhooks/standard", forged, headers: headers).0 == .unauthorized)
            let stranger = try Curve25519.Signing.PrivateKey().signature(for: Data("msg_a.\(timestamp).\(body)".utf8))
            headers[.init("webhook-signature")!] = "v1a," + stranger.base64EncodedString()
            #expect(try await post(client, "/v1/webhooks/standard", body, headers: headers).0 == .unauthorized)
            #expect(try await store.head().position == 3, "register, webhook, completion: the forgeries added nothing")
        }
    }

    @Test func aCustomProfileFromConfigurationMapsFieldsAndStatusWords() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", externalID: "ref-7", provider: "acme"))
            let body = #"{"payload":{"ref":"ref-7","state":"done","result":{"urls":["https://x/1"]}}}"#
            let headers = try WebhookRoutesTests.signed(body, id: "msg_c")
            let (status, answer) = try await post(client, "/v1/webhooks/acme", body, headers: headers)
            #expect(status == .ok && answer?["job_id"] == .string("j1"))
            let job = try #require(try await store.job("j1"))
            #expect(job.status == .completed && job.providerStatus == "done" && job.outputs == .array([.string("https://x/1")]))
        }
    }

    @Test func aStatusWordOutsideTheMapIsRecordedAsUnknownAndDecidesNothing() async throws {
        try await withApp { client, store async throws in
            _ = try await store.execute(Fixtures.register("j1", externalID: "ref-8", provider: "acme"))
            let body = #"{"payload":{"ref":"ref-8","state":"exploded"}}"#
            let headers = try WebhookRoutesTests.signed(body, id: "msg_d")
            #expect(try await post(client, "/v1/webhooks/acme", body, headers: headers).0 == .ok)
            let job = try #require(try await store.job("j1"))
            #expect(!job.status.isTerminal && job.providerStatus == "exploded" && job.webhookCount == 1)
        }
    }

    @Test(arguments: [
        ("authentication", JSONValue.string("basic"), "providers.acme.authentication"),
        ("external_id", .string("id"), "providers.acme.external_id"),
        ("status_map", .object([:]), "providers.acme.status_map"),
        ("status_map", .object(["ok": .string("success")]), "providers.acme.status_map.ok"),
        ("envelopes", .array([.string("data")]), "providers.acme.envelopes"),
        ("other_status", .string("maybe"), "providers.acme.other_status"),
        ("result", .string("/outcome"), "providers.acme.result_for"),
        ("result_for", .array([.string("done")]), "providers.acme.result"),
    ])
    func aBadCustomProfileNamesTheKeyAtFault(_ key: String, _ value: JSONValue, _ named: String) {
        var object = Self.acme
        object[key] = value
        #expect { _ = try ProviderProfile(configuredAs: "acme", object) } throws: { ($0 as? ConfigurationError)?.key == named }
    }

    /// A second field decides the words listed for it; other words keep their map.
    @Test func aCustomProfilesResultDecidesTheWordsListedForIt() throws {
        var object = Self.acme
        object["result"] = .string("/outcome/code")
        object["result_for"] = .array([.string("finished")])
        object["result_map"] = .object(["0": .string("completed")])
        object["other_result"] = .string("failed")
        let profile = try ProviderProfile(configuredAs: "acme", object)
        func status(_ body: String) throws -> ReportedStatus { try profile.report(from: #require(JSONValue(jsonText: body))).reportedStatus }
        #expect(try status(#"{"payload": {"ref": "r1", "state": "finished", "outcome": {"code": 0}}}"#) == .completed)
        #expect(try status(#"{"payload": {"ref": "r1", "state": "finished", "outcome": {"code": 137}}}"#) == .failed)
        #expect(try status(#"{"payload": {"ref": "r1", "state": "finished"}}"#) == .unknown, "no result: never guessed")
        #expect(try status(#"{"payload": {"ref": "r1", "state": "done", "outcome": {"code": 137}}}"#) == .completed,
                "a word the result is not listed for keeps its map")
        object["result_map"] = .object(["0": .string("fine")])
        #expect { _ = try ProviderProfile(configuredAs: "acme", object) } throws: { ($0 as? ConfigurationError)?.key == "providers.acme.result_map.0" }
    }

    @Test(arguments: ["replicate", "Acme", "a-b", ""])
    func aCustomProfileCannotTakeABuiltInOrOddName(_ name: String) {
        #expect(throws: ConfigurationError.self) { _ = try ProviderProfile(configuredAs: name, Self.acme) }
    }

    @Test(arguments: [("wavespeed", "short"), ("replicate", "whsec_%%%"), ("standard", "whpk_AAAA"), ("acme", "whsec_AAAA")])
    func badSecretsStopStartUpNamingTheVariable(_ provider: String, _ secret: String) {
        #expect { _ = try ProviderRegistry(secrets: [provider: secret]) } throws: {
            ($0 as? ConfigurationError)?.key == "LEDGER_PROVIDER_\(provider.uppercased())_SECRET"
        }
    }
}
