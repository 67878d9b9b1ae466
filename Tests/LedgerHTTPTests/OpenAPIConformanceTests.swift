import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerProviders
import LedgerHTTP
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Synchronization
import Testing

/// Holds the server to `Schemas/openapi.yaml`: the routes served and the
/// operations documented are the same set, and a tour of every route (happy
/// paths and the common refusals) answers with documented statuses, content
/// types and bodies. The comparison is `Tools/check-openapi.py` (PyYAML and
/// jsonschema, which `.ci/run` installs).
@Suite struct OpenAPIConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    final class Recorder: Sendable {
        let exchanges = Mutex<[JSONValue]>([])

        /// Sends a request and records the response under its documented route.
        func send(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, route: String,
                  headers: HTTPFields = [:], body: String? = nil) async throws -> (HTTPResponse.Status, JSONValue?) {
            try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
                let text = String(buffer: response.body)
                self.exchanges.withLock {
                    $0.append(.object([
                        "method": .string(method.rawValue), "route": .string(route), "status": .int(Int64(response.status.code)),
                        "content_type": .string(response.headers[.contentType] ?? ""), "body": .string(text),
                    ]))
                }
                return (response.status, JSONValue(jsonText: text))
            }
        }
    }

    @Test func everyRouteIsDocumentedAndEveryResponseMatchesTheDocument() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys),
                                      providers: try ProviderRegistry(secrets: ["replicate": WebhookRoutesTests.secret,
                                                                                "wavespeed": "wavespeed-token-0123456789"]),
                                      now: { WebhookRoutesTests.now })
        let router = buildRouter(services)
        // The admin pages (/admin, HTML for people) are not part of the API document.
        let routes: [JSONValue] = router.routes.filter { !$0.path.description.hasPrefix("/admin") }.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return .array([.string(route.method.rawValue), .string("/" + path.joined(separator: "/"))])
        }
        let recorder = Recorder()
        let signer = try NoteSigner.generate(name: "openapi.example")
        try await Application(router: router).test(.router) { client in
            try await Self.tour(client, recorder) { _ = try await LogProofs(store).checkpoint(signer: signer, origin: nil) }
        }

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-exchanges-\(UUID().uuidString).json")
        let document = JSONValue.object(["routes": .array(routes), "exchanges": .array(recorder.exchanges.withLock { $0 })])
        try Data(document.jsonText.utf8).write(to: file)
        let exchanges = file.path
        let (status, output) = try await offPool { try Self.runChecker(exchanges: exchanges) }
        #expect(status == 0, "\(output)")
        #expect(output.contains("0 failures"), "\(output)")
    }

    /// Every route, with the answers a client meets most.
    /// `checkpoint` signs and keeps a checkpoint (as serve's checkpoint service does).
    static func tour(_ client: any TestClientProtocol, _ recorder: Recorder,
                     checkpoint: @Sendable () async throws -> Void) async throws {
        let app = JobRoutesTests.app, admin = ReadAndActionRoutesTests.admin, auditor = JobRoutesTests.auditor
        func send(_ method: HTTPRequest.Method, _ uri: String, _ route: String, _ headers: HTTPFields = [:],
                  _ body: String? = nil, expect status: HTTPResponse.Status) async throws {
            let (answered, json) = try await recorder.send(client, method, uri, route: route, headers: headers, body: body)
            #expect(answered == status, "\(method) \(uri): \(json?.jsonText ?? "")")
        }
        try await send(.get, "/healthz", "/healthz", expect: .ok)
        try await send(.get, "/readyz", "/readyz", expect: .ok)
        let j1 = #"{"job_id":"j1","account":"acct_1","provider":"replicate","operation":"video","cost":10,"external_id":"pred_1","metadata":{"prompt":"a cat"}}"#
        try await send(.post, "/v1/jobs", "/v1/jobs", app, j1, expect: .created)
        try await send(.post, "/v1/jobs", "/v1/jobs", app, j1, expect: .ok)
        try await send(.post, "/v1/jobs", "/v1/jobs", app, j1.replacingOccurrences(of: "10", with: "11"), expect: .conflict)
        try await send(.post, "/v1/jobs", "/v1/jobs", app, #"{"job_id":"j1"}"#, expect: .badRequest)
        try await send(.post, "/v1/jobs", "/v1/jobs", [:], j1, expect: .unauthorized)
        try await send(.post, "/v1/jobs", "/v1/jobs", auditor, j1, expect: .forbidden)
        for job in ["j2", "j3"] {
            let body = #"{"job_id":"\#(job)","account":"acct_1","provider":"wavespeed","operation":"image","cost":5}"#
            try await send(.post, "/v1/jobs", "/v1/jobs", app, body, expect: .created)
        }
        try await send(.post, "/v1/jobs/j2/submitted", "/v1/jobs/{job_id}/submitted", app, #"{"external_id":"ws_2"}"#, expect: .ok)
        try await send(.post, "/v1/jobs/nope/submitted", "/v1/jobs/{job_id}/submitted", app, #"{"external_id":"ws_9"}"#, expect: .notFound)

        let succeeded = WebhookRoutesTests.succeeded
        try await send(.post, "/v1/webhooks/replicate", "/v1/webhooks/{provider}", try WebhookRoutesTests.signed(succeeded, id: "m1"),
                       succeeded, expect: .ok)
        let orphan = #"{"id":"pred_404","status":"processing"}"#
        try await send(.post, "/v1/webhooks/replicate", "/v1/webhooks/{provider}", try WebhookRoutesTests.signed(orphan, id: "m2"),
                       orphan, expect: .ok)
        try await send(.post, "/v1/webhooks/replicate", "/v1/webhooks/{provider}", [:], succeeded, expect: .unauthorized)
        try await send(.post, "/v1/webhooks/replicate", "/v1/webhooks/{provider}", try WebhookRoutesTests.signed("{", id: "m3"),
                       "{", expect: .badRequest)
        try await send(.post, "/v1/webhooks/acme", "/v1/webhooks/{provider}", [:], succeeded, expect: .notFound)
        let wavespeed = #"{"id":"ws_2","status":"failed","error":"nsfw"}"#
        try await send(.post, "/v1/webhooks/wavespeed?token=wavespeed-token-0123456789", "/v1/webhooks/{provider}", [:],
                       wavespeed, expect: .ok)

        try await send(.get, "/v1/jobs?limit=1", "/v1/jobs", auditor, expect: .ok)
        try await send(.get, "/v1/jobs?status=completed&provider=replicate&account=acct_1", "/v1/jobs", auditor, expect: .ok)
        try await send(.get, "/v1/jobs?limit=0", "/v1/jobs", auditor, expect: .badRequest)
        try await send(.get, "/v1/jobs/j1", "/v1/jobs/{job_id}", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1?wait=1s", "/v1/jobs/{job_id}", app, expect: .ok)
        try await send(.get, "/v1/jobs/nope", "/v1/jobs/{job_id}", auditor, expect: .notFound)
        try await send(.get, "/v1/jobs/j1", "/v1/jobs/{job_id}", [:], expect: .unauthorized)
        try await send(.get, "/v1/jobs/j1/events", "/v1/jobs/{job_id}/events", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1/state?position=1", "/v1/jobs/{job_id}/state", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1/state?as_of=2100-01-01T00:00:00Z", "/v1/jobs/{job_id}/state", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1/state?position=0", "/v1/jobs/{job_id}/state", auditor, expect: .badRequest)
        try await send(.get, "/v1/checkpoint", "/v1/checkpoint", auditor, expect: .notFound)
        try await send(.get, "/v1/jobs/j1/proof", "/v1/jobs/{job_id}/proof", auditor, expect: .notFound)
        try await checkpoint()
        try await send(.get, "/v1/checkpoint", "/v1/checkpoint", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1/proof", "/v1/jobs/{job_id}/proof", auditor, expect: .ok)
        try await send(.get, "/v1/jobs/j1/proof", "/v1/jobs/{job_id}/proof", app, expect: .ok)
        try await send(.get, "/v1/jobs/nope/proof", "/v1/jobs/{job_id}/proof", auditor, expect: .notFound)
        try await send(.get, "/v1/jobs/j1/proof", "/v1/jobs/{job_id}/proof", [:], expect: .unauthorized)
        try await send(.get, "/v1/checkpoint", "/v1/checkpoint", [:], expect: .unauthorized)

        try await send(.post, "/v1/jobs/j3/cancel", "/v1/jobs/{job_id}/cancel", app, #"{"reason":"user changed their mind"}"#, expect: .ok)
        try await send(.post, "/v1/jobs/j3/cancel", "/v1/jobs/{job_id}/cancel", app, #"{"reason":"again"}"#, expect: .conflict)

        try await send(.get, "/v1/accounts/acct_1", "/v1/accounts/{account}", auditor, expect: .ok)
        try await send(.get, "/v1/accounts/nobody", "/v1/accounts/{account}", auditor, expect: .notFound)
        try await send(.get, "/v1/providers/health", "/v1/providers/health", auditor, expect: .ok)

        let resolve = #"{"action":"resolve_failed","operator":"ops","reason":"provider lost it"}"#
        try await send(.post, "/v1/jobs/j2/actions", "/v1/jobs/{job_id}/actions", admin,
                       #"{"action":"reevaluate","operator":"ops","reason":"look again"}"#, expect: .ok)
        try await send(.post, "/v1/jobs/j2/actions", "/v1/jobs/{job_id}/actions", admin, resolve, expect: .conflict)
        try await send(.post, "/v1/jobs/j1/actions", "/v1/jobs/{job_id}/actions", app, resolve, expect: .forbidden)
        try await send(.post, "/v1/jobs/j1/actions", "/v1/jobs/{job_id}/actions", admin,
                       #"{"action":"poll","operator":"ops","reason":"check"}"#, expect: .conflict)
        try await send(.get, "/metrics", "/metrics", expect: .ok)
    }

    static func runChecker(exchanges: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("Tools/check-openapi.py").path,
                             root.appendingPathComponent("Schemas/openapi.yaml").path, exchanges]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
