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

/// Every bad input gets a clear problem+json error and leaves the log
/// exactly as it was (same head position and hash).
@Suite struct HostileInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method
        var uri: String
        var headers: HTTPFields
        var body: String?
        var status: HTTPResponse.Status
        var testDescription: String { name }
    }

    static let app = JobRoutesTests.app, admin = ReadAndActionRoutesTests.admin, auditor = JobRoutesTests.auditor
    static func job(_ fields: String) -> String {
        #"{"job_id":"j9","account":"acct_1","provider":"replicate","operation":"video","cost":10\#(fields)}"#
    }
    static func signed(_ body: String, id: String = "m_hostile", at time: Date = WebhookRoutesTests.now) -> HTTPFields {
        (try? WebhookRoutesTests.signed(body, id: id, at: time)) ?? [:]
    }
    static let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)

    static let cases: [Case] = [
        // Registration: malformed, wrong types, missing fields, hostile ids, wrong roles, oversized.
        Case(name: "not JSON", method: .post, uri: "/v1/jobs", headers: app, body: "{job_id: j9", status: .badRequest),
        Case(name: "cost named twice", method: .post, uri: "/v1/jobs", headers: app, body: job(#","cost":0"#), status: .badRequest),
        Case(name: "a NUL in a cancellation's reason", method: .post, uri: "/v1/jobs/j1/cancel", headers: app,
             body: #"{"reason":"user\u0000asked"}"#, status: .badRequest),
        Case(name: "a right-to-left override in an operation", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""video""#, with: #""vi\u202edeo""#), status: .badRequest),
        Case(name: "a reason named twice", method: .post, uri: "/v1/jobs/j1/cancel", headers: app,
             body: #"{"reason":"user asked","reason":"x"}"#, status: .badRequest),
        Case(name: "empty body", method: .post, uri: "/v1/jobs", headers: app, body: "", status: .badRequest),
        Case(name: "a JSON array", method: .post, uri: "/v1/jobs", headers: app, body: "[]", status: .badRequest),
        Case(name: "cost as text", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""cost":10"#, with: #""cost":"ten""#), status: .badRequest),
        Case(name: "negative cost", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""cost":10"#, with: #""cost":-5"#), status: .badRequest),
        Case(name: "cost beyond Int64", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""cost":10"#, with: #""cost":99999999999999999999"#), status: .badRequest),
        Case(name: "missing account", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""account":"acct_1","#, with: ""), status: .badRequest),
        Case(name: "null job_id", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""j9""#, with: "null"), status: .badRequest),
        Case(name: "combining accent in job_id", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""j9""#, with: #""je\u0301""#), status: .badRequest),
        Case(name: "right-to-left override in account", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: "acct_1", with: #"acct\u202e1"#), status: .badRequest),
        Case(name: "zero-width space in external_id", method: .post, uri: "/v1/jobs", headers: app,
             body: job(#","external_id":"x\u200by""#), status: .badRequest),
        Case(name: "NUL in job_id", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""j9""#, with: #""j\u00009""#), status: .badRequest),
        Case(name: "job_id of 201 bytes", method: .post, uri: "/v1/jobs", headers: app,
             body: job("").replacingOccurrences(of: #""j9""#, with: "\"" + String(repeating: "j", count: 201) + "\""), status: .badRequest),
        Case(name: "metadata 40 levels deep", method: .post, uri: "/v1/jobs", headers: app,
             body: job(#","metadata":"# + deep), status: .badRequest),
        Case(name: "invalid UTF-8", method: .post, uri: "/v1/jobs", headers: app,
             body: String(decoding: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D], as: UTF8.self), status: .badRequest),
        Case(name: "no key", method: .post, uri: "/v1/jobs", headers: [:], body: job(""), status: .unauthorized),
        Case(name: "unknown key", method: .post, uri: "/v1/jobs", headers: JobRoutesTests.headers("app-key-0123456789abcdeX"),
             body: job(""), status: .unauthorized),
        Case(name: "basic auth", method: .post, uri: "/v1/jobs", headers: [.authorization: "Basic YXBwOmtleQ=="],
             body: job(""), status: .unauthorized),
        Case(name: "auditor registers", method: .post, uri: "/v1/jobs", headers: auditor, body: job(""), status: .forbidden),
        Case(name: "oversized registration", method: .post, uri: "/v1/jobs", headers: app,
             body: job(#","metadata":{"pad":""# + String(repeating: "x", count: 5000) + #""}"#), status: .contentTooLarge),

        // Job routes: unknown jobs, bad parameters, SQL in query parameters.
        Case(name: "submit an unknown job", method: .post, uri: "/v1/jobs/nope/submitted", headers: app,
             body: #"{"external_id":"x"}"#, status: .notFound),
        Case(name: "submit an empty external id", method: .post, uri: "/v1/jobs/j1/submitted", headers: app,
             body: #"{"external_id":""}"#, status: .badRequest),
        Case(name: "submit another external id", method: .post, uri: "/v1/jobs/j1/submitted", headers: app,
             body: #"{"external_id":"pred_2"}"#, status: .conflict),
        Case(name: "cancel without a reason field", method: .post, uri: "/v1/jobs/j1/cancel", headers: app, body: "{}", status: .badRequest),
        Case(name: "SQL in status", method: .get, uri: "/v1/jobs?status=completed%27%20OR%201=1--", headers: auditor, status: .badRequest),
        Case(name: "SQL in cursor", method: .get, uri: "/v1/jobs?cursor=%27;DROP%20TABLE%20events;--", headers: auditor, status: .badRequest),
        Case(name: "limit beyond the cap", method: .get, uri: "/v1/jobs?limit=100000", headers: auditor, status: .badRequest),
        Case(name: "negative limit", method: .get, uri: "/v1/jobs?limit=-1", headers: auditor, status: .badRequest),
        Case(name: "SQL in position", method: .get, uri: "/v1/jobs/j1/state?position=1;DELETE%20FROM%20events", headers: auditor,
             status: .badRequest),
        Case(name: "wait that is not a duration", method: .get, uri: "/v1/jobs/j1?wait=forever", headers: auditor, status: .badRequest),
        Case(name: "an unknown job's events", method: .get, uri: "/v1/jobs/nope/events", headers: auditor, status: .notFound),
        Case(name: "a path traversal as job id", method: .get, uri: "/v1/jobs/..%2F..%2Fetc%2Fpasswd", headers: auditor, status: .notFound),
        Case(name: "no such route", method: .get, uri: "/v1/everything", headers: auditor, status: .notFound),
        Case(name: "wrong method", method: .delete, uri: "/v1/jobs/j1", headers: admin, status: .methodNotAllowed),

        // Admin actions.
        Case(name: "an app resolves", method: .post, uri: "/v1/jobs/j1/actions", headers: app,
             body: #"{"action":"resolve_failed","operator":"o","reason":"r"}"#, status: .forbidden),
        Case(name: "an unknown action", method: .post, uri: "/v1/jobs/j1/actions", headers: admin,
             body: #"{"action":"delete","operator":"o","reason":"r"}"#, status: .badRequest),
        Case(name: "an action without a reason", method: .post, uri: "/v1/jobs/j1/actions", headers: admin,
             body: #"{"action":"reevaluate","operator":"o","reason":""}"#, status: .badRequest),

        // Webhooks: forged, stale, replayed, malformed, unknown provider, unicode oddities.
        Case(name: "forged signature", method: .post, uri: "/v1/webhooks/replicate",
             headers: signed(#"{"id":"pred_1","status":"failed"}"#), body: #"{"id":"pred_1","status":"succeeded"}"#, status: .unauthorized),
        Case(name: "a replay from ten minutes ago", method: .post, uri: "/v1/webhooks/replicate",
             headers: signed(WebhookRoutesTests.succeeded, at: WebhookRoutesTests.now.addingTimeInterval(-600)),
             body: WebhookRoutesTests.succeeded, status: .unauthorized),
        Case(name: "a signature for another provider's route", method: .post, uri: "/v1/webhooks/standard",
             headers: signed(WebhookRoutesTests.succeeded), body: WebhookRoutesTests.succeeded, status: .unauthorized),
        Case(name: "signed but not JSON", method: .post, uri: "/v1/webhooks/replicate", headers: signed("{"), body: "{", status: .badRequest),
        Case(name: "signed, status a number", method: .post, uri: "/v1/webhooks/replicate",
             headers: signed(#"{"id":"pred_1","status":7.5}"#), body: #"{"id":"pred_1","status":7.5}"#, status: .badRequest),
        Case(name: "signed, zero-width id", method: .post, uri: "/v1/webhooks/replicate",
             headers: signed(#"{"id":"pred\u200b_1","status":"succeeded"}"#), body: #"{"id":"pred\u200b_1","status":"succeeded"}"#,
             status: .badRequest),
        Case(name: "signed, outputs 40 levels deep", method: .post, uri: "/v1/webhooks/replicate",
             headers: signed(#"{"id":"pred_1","status":"succeeded","output":"# + deep + "}"),
             body: #"{"id":"pred_1","status":"succeeded","output":"# + deep + "}", status: .badRequest),
        Case(name: "unknown provider", method: .post, uri: "/v1/webhooks/acme", headers: [:], body: "{}", status: .notFound),
        Case(name: "SQL as provider", method: .post, uri: "/v1/webhooks/replicate%27%20OR%201=1", headers: [:], body: "{}", status: .notFound),
        Case(name: "a token in the wrong parameter", method: .post, uri: "/v1/webhooks/wavespeed?secret=wavespeed-token-0123456789",
             headers: [:], body: #"{"id":"w","status":"completed"}"#, status: .unauthorized),
    ]

    @Test(arguments: cases)
    func isRefusedClearlyAndChangesNothing(_ input: Case) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "pred_1"))
        let before = try await store.head()
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys), requestBodyBytesMax: 4096,
                                      // `standard` has a secret of its own: replicate's signature must not open its route.
                                      providers: try ProviderRegistry(secrets: ["replicate": WebhookRoutesTests.secret,
                                                                                "standard": "whsec_" + Data(repeating: 9, count: 24).base64EncodedString(),
                                                                                "wavespeed": "wavespeed-token-0123456789"]),
                                      now: { WebhookRoutesTests.now })
        try await Application(router: buildRouter(services)).test(.router) { client in
            var headers = input.headers
            if input.body != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
            try await client.execute(uri: input.uri, method: input.method, headers: headers,
                                     body: input.body.map { ByteBuffer(string: $0) }) { response in
                #expect(response.status == input.status)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = JSONValue(jsonText: String(buffer: response.body))
                #expect(problem?["detail"]?.stringValue?.isEmpty == false, "an actionable detail")
                #expect(problem?["status"] == .int(Int64(input.status.code)))
                // RFC 9457 §4.2.1: an `about:blank` problem's title is the status's phrase, one spelling per status.
                #expect(problem?["type"] == .string("about:blank") && problem?["title"] == .string(input.status.reasonPhrase),
                        "\(problem?["title"] ?? .null)")
            }
        }
        #expect(try await store.head() == before, "the log is exactly as it was")
        #expect(try await store.verify().isSound)
    }
}
