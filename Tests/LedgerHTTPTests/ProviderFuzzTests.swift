import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerProviders
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// Fuzzed bodies for every provider's parser, correctly
/// authenticated so they reach it: no crash, no 5xx, a 4xx changes nothing,
/// and whatever is accepted leaves a log that verifies.
@Suite struct ProviderFuzzTests {
    static let token = "fuzz-token-0123456789abcdef"
    static let seeds: [(provider: String, body: String)] = [
        ("standard", #"{"type":"job.completed","data":{"external_id":"e1","status":"completed","outputs":{"url":"u"},"error":null}}"#),
        ("replicate", #"{"id":"e1","status":"succeeded","output":["https://x/1.mp4"],"error":null,"logs":"é\n"}"#),
        ("wavespeed", #"{"data":{"id":"e1","status":"failed","outputs":[],"error":"nsfw"}}"#),
        ("nca", #"{"job_id":"e1","id":"j1","code":500,"response":null,"message":"ffmpeg \u00e9chec"}"#),
    ]

    @Test(arguments: Array(0..<seeds.count))
    func mutatedBodiesNeverCrashNorAnswer5xxAndRefusalsChangeNothing(_ index: Int) async throws {
        let (provider, body) = Self.seeds[index]
        let (store, services) = try await Self.ledger(expecting: provider)
        let (accepted, refused) = try await Application(router: buildRouter(services)).test(.router) { client in
            var generator = SeededGenerator(seed: UInt64(index + 1))
            var accepted = 0, refused = 0
            for attempt in 0..<250 {
                let bytes = ByteMutator.mutate(Array(body.utf8), using: &generator)
                let text = String(decoding: bytes, as: UTF8.self)
                var headers: HTTPFields = [:]
                var uri = "/v1/webhooks/\(provider)"
                if provider == "wavespeed" || provider == "nca" {
                    uri += "?token=\(Self.token)"
                } else {
                    // Signed over the mutated bytes themselves, so the parser is what is tested.
                    let id = "msg_fuzz_\(index)_\(attempt)"
                    let timestamp = String(Int64(WebhookRoutesTests.now.timeIntervalSince1970))
                    let signature = try StandardWebhookVerifier(secret: WebhookRoutesTests.secret)
                        .sign(id: id, timestamp: timestamp, body: Data(bytes))!.base64EncodedString()
                    headers[.init("webhook-id")!] = id
                    headers[.init("webhook-timestamp")!] = timestamp
                    headers[.init("webhook-signature")!] = "v1," + signature
                }
                let before = try await store.head()
                let status = try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { $0.status }
                #expect(status.code < 500, "\(provider) attempt \(attempt): \(status) for \(text.debugDescription)")
                if status == .ok {
                    accepted += 1
                } else {
                    refused += 1
                    #expect(status == .badRequest, "\(provider): \(status) for \(text.debugDescription)")
                    #expect(try await store.head() == before, "a refused body changed the log")
                }
            }
            return (accepted, refused)
        }
        #expect(refused > 50 && accepted > 0, "\(provider): the mutations reach both answers (\(accepted) accepted, \(refused) refused)")
        #expect(try await store.verify().isSound)
        let check = try await store.rebuildCheck()
        #expect(check.differences.isEmpty)
    }

    /// A fresh ledger with every provider configured and job j1 (external id e1) waiting on `provider`.
    static func ledger(expecting provider: String) async throws -> (SQLiteEventStore, LedgerServices) {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: "e1", provider: provider))
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys),
                                      providers: try ProviderRegistry(secrets: [
                                          "standard": WebhookRoutesTests.secret, "replicate": WebhookRoutesTests.secret,
                                          "wavespeed": token, "nca": token,
                                      ]), now: { WebhookRoutesTests.now })
        return (store, services)
    }
}
