import Foundation
import HTTPTypes
import LedgerTesting
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Testing

/// The README's first run as an integrator writes it: a client generated
/// from `Schemas/openapi.yaml` by swift-openapi-generator (the document
/// linked into this target; the build generates `Client`), against a real
/// `ledger serve`. The provider's webhook is sent as the README sends it
/// (`ledger send`); everything the app does goes through the client.
@Suite struct GeneratedClientTourTests {
    /// The bearer key on every request (the document's `bearerAuth`).
    struct BearerKey: ClientMiddleware {
        let key: String

        func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                       next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?))
            async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            request.headerFields[.authorization] = "Bearer \(key)"
            return try await next(request, body, baseURL)
        }
    }

    @Test func theFirstRunTourThroughTheGeneratedClient() async throws {
        let port = ServeProcessTests.freePort(), path = Fixtures.temporaryDatabasePath()
        let secrets = ["LEDGER_PROVIDER_REPLICATE_SECRET": KillUnderStormTests.secret]
        let server = try await ServeProcessTests.startServer(["--db", path, "--port", String(port)], port: port,
                                                             environment: ["LEDGER_KEYS": ServeProcessTests.keys].merging(secrets) { $1 })
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let client = Client(serverURL: URL(string: base)!, transport: AsyncHTTPClientTransport(),
                            middlewares: [BearerKey(key: "app-key-0123456789abcdef")])

        let registration = Components.Schemas.RegisterJobRequest(job_id: "demo_1", account: "acct_1", provider: "replicate",
                                                                 operation: "video", cost: 10, external_id: "p_1")
        let registered = try await client.registerJob(body: .json(registration)).created.body.json
        #expect(registered.status == .processing && registered.external_id == "p_1", "registered with the provider's id: under way")
        let again = try await client.registerJob(body: .json(registration))
        #expect((try? again.ok) != nil, "registering the same job again answers 200 with it: \(again)")

        let sent = try await LedgerBinary.run(["send", "--provider", "replicate", "--example", "completed", "--external-id", "p_1",
                                               "--url", base], environment: secrets)
        #expect(sent.status == 0, "\(sent.stderr)")

        let job = try await client.getJob(path: .init(job_id: "demo_1")).ok.body.json
        #expect(job.status == .completed && job.completion_source == .webhook && job.cost == 10)
        let events = try await client.getJobEvents(path: .init(job_id: "demo_1")).ok.body.json.events
        #expect(events.map(\._type.rawValue) == ["job.registered", "webhook.received", "job.completed"], "\(events.map(\._type))")
        let missing = try await client.getJob(path: .init(job_id: "no_such_job"))
        #expect(try missing.notFound.body.application_problem_plus_json.status == 404, "a problem, typed")

        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        let verify = try await LedgerBinary.run(["verify", "--db", path])
        #expect(verify.status == 0 && verify.stdout.contains("ok:"), "\(verify.stdout)")
    }
}
