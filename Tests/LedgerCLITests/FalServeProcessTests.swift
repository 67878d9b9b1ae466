import Crypto
import Foundation
import Hummingbird
import LedgerCore
import HummingbirdTesting
import LedgerProviders
import LedgerTesting
import Testing

/// `serve` with the documented fal profile checks fal's signatures with the
/// keys of a JWKS file, or of a JWKS URL fetched under the outbound rules
/// (a loopback address only when private targets are allowed).
@Suite struct FalServeProcessTests {
    static let userID = "fal-user-1234"
    static let requestID = "123e4567-e89b-12d3-a456-426614174000"
    static let body = #"{"request_id":"123e4567-e89b-12d3-a456-426614174000","status":"OK","payload":{"images":[{"url":"https://url.to/image.png"}]}}"#

    static func keySet(_ key: Curve25519.Signing.PrivateKey) -> String {
        let x = Base64URL.encode(key.publicKey.rawRepresentation)
        return #"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","x":"\#(x)"}]}"#
    }

    static func configuration() throws -> String {
        let path = Fixtures.temporaryDatabasePath("fal.json")
        try #"""
            {"providers": {"fal": {"authentication": "fal_signature", "external_id": "/request_id", "status": "/status",
             "outputs": "/payload", "error": "/error", "status_map": {"OK": "completed", "ERROR": "failed"}, "secret": "\#(userID)"}}}
            """#.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The curl arguments of a webhook signed as fal signs it, by `key`.
    static func signedPost(_ base: String, key: Curve25519.Signing.PrivateKey) throws -> [String] {
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let message = FalSignature.message(requestID: requestID, userID: userID, timestamp: timestamp, body: Data(body.utf8))
        let signature = Hex.string(try key.signature(for: message))
        return ["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/webhooks/fal", "-H", "content-type: application/json",
                "-H", "X-Fal-Webhook-Request-Id: \(requestID)", "-H", "X-Fal-Webhook-User-Id: \(userID)",
                "-H", "X-Fal-Webhook-Timestamp: \(timestamp)", "-H", "X-Fal-Webhook-Signature: \(signature)", "-d", body]
    }

    /// Starts serve with `environment`, registers the job, posts fal's webhook and a forgery; the two answers.
    static func answers(_ environment: [String: String], key: Curve25519.Signing.PrivateKey) async throws -> (signed: String, forged: String) {
        let port = ServeProcessTests.freePort()
        let server = try await ServeProcessTests.startServer(["--db", Fixtures.temporaryDatabasePath(), "--port", String(port), "--config", try configuration()],
                                                             port: port, environment: ["LEDGER_KEYS": ServeProcessTests.keys].merging(environment) { $1 })
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        let job = #"{"job_id":"f1","account":"a","provider":"fal","operation":"o","cost":3,"external_id":"\#(requestID)"}"#
        #expect(try await ServeProcessTests.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/v1/jobs",
                                                  "-H", "Authorization: Bearer app-key-0123456789abcdef", "-d", job]).output == "201")
        let forged = try await ServeProcessTests.curl(try signedPost(base, key: Curve25519.Signing.PrivateKey())).output
        let signed = try await ServeProcessTests.curl(try signedPost(base, key: key)).output
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        return (signed, forged)
    }

    @Test func serveChecksFalsSignaturesWithAJWKSFile() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let file = Fixtures.temporaryDatabasePath("jwks.json")
        try Self.keySet(key).write(toFile: file, atomically: true, encoding: .utf8)
        let answers = try await Self.answers(["LEDGER_PROVIDER_FAL_JWKS_FILE": file], key: key)
        #expect(answers.signed == "200" && answers.forged == "401", "\(answers)")
    }

    @Test func serveFetchesAJWKSURLUnderTheOutboundRules() async throws {
        let seed = Curve25519.Signing.PrivateKey().rawRepresentation
        let keySet = Self.keySet(try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        let router = Router()
        router.get("jwks.json") { _, _ in Response(status: .ok, headers: [.contentType: "application/json"],
                                                   body: .init(byteBuffer: ByteBuffer(string: keySet))) }
        try await Application(router: router).test(.live) { client in
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            let url = "http://127.0.0.1:\(client.port!)/jwks.json"
            let allowed = try await Self.answers(["LEDGER_PROVIDER_FAL_JWKS_URL": url, "LEDGER_ALLOW_PRIVATE_TARGETS": "true"], key: key)
            #expect(allowed.signed == "200" && allowed.forged == "401", "\(allowed)")
            let refused = try await Self.answers(["LEDGER_PROVIDER_FAL_JWKS_URL": url], key: key)
            // A loopback key set is a private target, never fetched unless allowed. With no key held the
            // webhook cannot be checked at all: the ledger's set-up, answered 503 so that fal retries (a 401 ended it).
            #expect(refused.signed == "503" && refused.forged == "503", "\(refused)")
        }
    }
}
