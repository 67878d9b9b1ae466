import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerFakes
import LedgerHTTP
import LedgerProviders
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The fake provider as a peer that sends its own signed webhooks to a real
/// ledger server over loopback, by mode.
@Suite struct FakePeersTests {
    @Test(arguments: [FakeProvider.Mode.normal, .duplicate, .delay, .drop])
    func theFakeProviderSendsItsWebhooksByMode(_ mode: FakeProvider.Mode) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        let secret = "whsec_" + Data("fake-provider-secret-0123".utf8).base64EncodedString()
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: Harness.keys),
                                      providers: try ProviderRegistry(secrets: ["replicate": secret]))
        try await Application(router: buildRouter(services)).test(.live) { ledger in
            let provider = FakeProvider(secret: secret, sending: .init(
                webhookURL: "http://127.0.0.1:\(ledger.port!)/v1/webhooks/replicate", runFor: .milliseconds(50),
                webhookDelay: .milliseconds(300)))
            provider.mode = mode
            let router = Router()
            provider.add(to: router)
            try await Application(router: router).test(.live) { peers in
                let created = try await peers.execute(uri: "/v1/predictions", method: .post) { JSONValue(jsonText: String(buffer: $0.body)) }
                let id = try #require(created?["id"]?.stringValue)
                _ = try await store.execute(Fixtures.register("j1", cost: 10, externalID: id))
                // Bounded wait (real time): up to 5 s for the webhooks to land.
                var job = try await store.job("j1")
                for _ in 0..<100 where job?.status != .completed {
                    try await Task.sleep(for: .milliseconds(50))
                    job = try await store.job("j1")
                }
                if mode == .drop {
                    #expect(job?.status == .processing && job?.webhookCount == 0, "dropped webhooks never arrive")
                } else {
                    #expect(job?.status == .completed && job?.completionSource == .webhook)
                    // The repeat is sent after the first: wait (bounded) for it in duplicate mode.
                    var final = try #require(try await store.job("j1"))
                    for _ in 0..<100 where mode == .duplicate && final.duplicateCount == 0 {
                        try await Task.sleep(for: .milliseconds(50))
                        final = try #require(try await store.job("j1"))
                    }
                    #expect(final.duplicateCount == (mode == .duplicate ? 1 : 0))
                }
            }
        }
        #expect(try await store.verify().isSound)
    }
}
