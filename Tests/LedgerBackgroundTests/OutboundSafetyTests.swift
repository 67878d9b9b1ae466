import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerBackground
import LedgerCore
import LedgerFakes
import LedgerProviders
import LedgerStore
import LedgerTesting
import Testing

/// Outbound requests never reach loopback, link-local or private
/// addresses (however they are spelled) unless allowed, never follow
/// redirects, and are bounded in time and size.
@Suite struct OutboundSafetyTests {
    @Test(arguments: [
        [UInt8]([127, 0, 0, 1]), [10, 1, 2, 3], [172, 16, 0, 1], [172, 31, 255, 255], [192, 168, 1, 1], [169, 254, 169, 254],
        [100, 64, 0, 1], [0, 0, 0, 0], [224, 0, 0, 1], [255, 255, 255, 255],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1],
        [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1],
        [0, 0x64, 0xff, 0x9b, 0, 1, 0, 0, 0, 0, 0, 0, 192, 168, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 127, 0, 0, 1],
        [0x20, 0x02, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    ])
    func privateAndSpecialAddressesAreRefused(_ address: [UInt8]) {
        #expect(AddressPolicy.refusal(address) != nil)
    }

    @Test(arguments: [[UInt8]([8, 8, 8, 8]), [1, 1, 1, 1], [172, 32, 0, 1], [100, 128, 0, 1],
                      [0x26, 0x06, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11]])
    func publicAddressesPass(_ address: [UInt8]) {
        #expect(AddressPolicy.refusal(address) == nil)
    }

    @Test(arguments: ["http://127.0.0.1:9/x", "http://localhost:9/x", "http://2130706433:9/x", "http://0x7f.1:9/x",
                      "http://0177.0.0.1:9/x", "http://[::1]:9/x", "http://[::ffff:127.0.0.1]:9/x", "http://169.254.169.254/latest/meta-data",
                      "http://10.0.0.1/x", "http://0.0.0.0:9/x"])
    func oddSpellingsOfPrivateTargetsAreRefusedAfterResolution(_ url: String) async throws {
        let client = OutboundClient(allowPrivateTargets: false)
        await #expect { _ = try await client.send(OutboundRequest(method: .GET, url: url)) } throws: { error in
            guard case .refusedTarget = error as? OutboundError else { return false }
            return true
        }
        await client.shutdown()
    }

    @Test(arguments: ["ftp://example.com/x", "file:///etc/passwd", "http:///x", "not a url", "gopher://127.0.0.1/"])
    func onlyHTTPURLsWithAHostAreSent(_ url: String) async throws {
        let client = OutboundClient(allowPrivateTargets: true)
        await #expect { _ = try await client.send(OutboundRequest(method: .GET, url: url)) } throws: { error in
            guard case .invalidURL = error as? OutboundError else { return false }
            return true
        }
        await client.shutdown()
    }

    @Test func redirectsAreNotFollowedSlowAnswersTimeOutAndLargeAnswersAreCut() async throws {
        let provider = FakeProvider()
        provider.start("p1")
        let router = Router()
        provider.add(to: router)
        try await Application(router: router).test(.live) { peers in
            let base = "http://127.0.0.1:\(peers.port!)"
            // A 1 s read timeout for the slow answer; the other answers get a
            // patient client, so a loaded machine cannot time them out.
            let client = OutboundClient(allowPrivateTargets: true, readTimeout: .seconds(1), responseBytesMax: 32)
            let patient = OutboundClient(allowPrivateTargets: true, readTimeout: .seconds(15), responseBytesMax: 32)
            // The clients are shut down on every path: AsyncHTTPClient traps on a client released without it.
            do {
                try await Self.exercise(client, patient: patient, base: base, provider: provider)
            } catch {
                await client.shutdown()
                await patient.shutdown()
                throw error
            }
            await client.shutdown()
            await patient.shutdown()
        }
    }

    static func exercise(_ client: OutboundClient, patient: OutboundClient, base: String, provider: FakeProvider) async throws {
        provider.mode = .redirect
        let redirected = try await patient.send(OutboundRequest(method: .GET, url: base + "/v1/predictions/p1"))
        #expect(redirected.status == 302, "the 302 itself is the answer: not followed")
        provider.mode = .slow
        await #expect(throws: OutboundError.self) { _ = try await client.send(OutboundRequest(method: .GET, url: base + "/v1/predictions/p1")) }
        provider.mode = .normal
        await #expect { _ = try await patient.send(OutboundRequest(method: .GET, url: base + "/v1/predictions/p1")) } throws: { error in
            error as? OutboundError == .responseTooLarge(32)
        }
    }

    /// A peer that answers at once and then trickles its body, a byte well
    /// within each read timeout, is cut at the exchange's deadline (connect
    /// + read): the notifier sends one at a time, and such an app held every
    /// other notification for minutes.
    @Test func aBodyTrickledWithinEachReadTimeoutIsCutAtTheDeadline() async throws {
        let router = Router()
        router.get("trickle") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<40 {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await writer.finish(nil)
            })
        }
        try await Application(router: router).test(.live) { peer in
            let client = OutboundClient(allowPrivateTargets: true, connectTimeout: .seconds(1), readTimeout: .seconds(1))
            let started = ContinuousClock.now
            var outcome = "answered"
            do {
                _ = try await client.send(OutboundRequest(method: .GET, url: "http://127.0.0.1:\(peer.port!)/trickle"))
            } catch {
                outcome = "\(error)"
            }
            let elapsed = ContinuousClock.now - started
            await client.shutdown()
            #expect(outcome.contains("did not arrive within 2 s") && elapsed < .seconds(6), "\(outcome) after \(elapsed)")
        }
    }

    @Test func pollRequestsHaveEachProvidersShape() throws {
        let replicate = try #require(PollClient(provider: "replicate", endpoint: ProviderEndpoint(apiKey: "r8_key")))
        let request = replicate.request(externalID: "abc/../x")
        #expect(request.method == .GET && request.url == "https://api.replicate.com/v1/predictions/abc%2F..%2Fx")
        #expect(request.headers.contains { $0 == ("authorization", "Bearer r8_key") })
        #expect(PollClient(provider: "replicate", endpoint: nil) == nil, "no API key: no polls that could only be 401s")
        let wavespeed = try #require(PollClient(provider: "wavespeed", endpoint: ProviderEndpoint(apiKey: "ws")))
        #expect(wavespeed.request(externalID: "w1").url == "https://api.wavespeed.ai/api/v3/predictions/w1/result")
        #expect(PollClient(provider: "nca", endpoint: nil) == nil, "self-hosted: no default base URL")
        let nca = try #require(PollClient(provider: "nca", endpoint: ProviderEndpoint(baseURL: "https://nca.example/", apiKey: "k")))
        let ncaRequest = nca.request(externalID: #"j"1"#)
        #expect(ncaRequest.method == .POST && ncaRequest.url == "https://nca.example/v1/toolkit/job/status")
        #expect(ncaRequest.body.map { String(decoding: $0, as: UTF8.self) } == #"{"job_id":"j\"1"}"#)
        #expect(ncaRequest.headers.contains { $0 == ("x-api-key", "k") })
        #expect(PollClient(provider: "standard", endpoint: nil) == nil, "no status API")
        let head = try #require(PollClient(provider: "standard", endpoint: ProviderEndpoint(pollHeadURL: "https://cdn.example/{external_id}.mp4")))
        #expect(head.request(externalID: "s1").method == .HEAD && head.request(externalID: "s1").url == "https://cdn.example/s1.mp4")
    }

    @Test func aHeadTemplateFindsCompletedOutputs() async throws {
        try await Harness.run { h in
            let jobs = try await h.submitJobs(2)
            h.provider.finish("pred_0", succeeded: true)
            var settings = BackgroundSettings()
            settings.allowPrivateTargets = true
            settings.pollsPerSecond = 1000
            let port = URL(string: h.notifierURL)!.port!
            settings.endpoints["replicate"] = ProviderEndpoint(pollHeadURL: "http://127.0.0.1:\(port)/outputs/{external_id}")
            let poller = Poller(store: h.store, settings: settings, outbound: h.outbound, clock: h.clock, providers: ["replicate"],
                                logger: Harness.logger)
            h.advance(minutes: 6)
            #expect(try await poller.runOnce().polled == 2)
            let done = try #require(try await h.store.job(jobs[0]))
            #expect(done.status == .completed && done.completionSource == .poll)
            #expect(done.outputs == .array([.string("http://127.0.0.1:\(port)/outputs/pred_0")]), "the URL found, not the template")
            #expect(try await h.store.job(jobs[1])?.status == .processing, "404: not yet")
            // Not yet is not a start: a 404 is recorded as `queued`, which tells the app nothing.
            let notYet = try await h.store.events(inStream: StreamName.job(jobs[1])).compactMap { stored -> PollResult? in
                if case .pollResult(let poll)? = try? stored.decoded().event { poll } else { nil }
            }
            #expect(notYet.map(\.reportedStatus) == [.queued] && notYet.first?.rawStatus == "404", "\(notYet)")
        }
    }
}
