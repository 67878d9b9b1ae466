import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerProviders
import LedgerSQLite
import LedgerStore
import LedgerTesting
import Testing

/// The bodies providers really send (``RealProviderBodies``, each with its
/// source), through a real server on loopback with real signatures: statuses,
/// outputs, `output_urls`, errors, duplicates and refunds as each provider meant
/// them. Every test ends with the log verified, the projections equal to a
/// rebuild, and the `jobs` view's `output_urls` equal to the API's.
@Suite struct RealProviderTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let replicateSecret = "whsec_" + Data((101...132).map { UInt8($0) }).base64EncodedString()
    static let wavespeedToken = "wavespeed-token-0123456789"
    static let wavespeedSigningSecret = "whsec_e9EE3BdyXSxcB4ZyZUKjQUEoQX4sF9P1+eMpb/KluCM="
    static let ncaToken = "nca-token-abcdefghijklmnop"

    /// A ledger on a live server; `post` sends a body signed as its provider signs.
    struct Ledger {
        let store: SQLiteEventStore
        let path: String
        let client: any TestClientProtocol

        func post(_ provider: String, _ body: String, query: String = "", headers: HTTPFields = [:])
            async throws -> (status: HTTPResponse.Status, answer: JSONValue?) {
            try await client.execute(uri: "/v1/webhooks/\(provider)\(query)", method: .post, headers: headers,
                                     body: ByteBuffer(string: body)) { ($0.status, JSONValue(jsonText: String(buffer: $0.body))) }
        }

        func replicate(_ body: String, id: String) async throws -> (status: HTTPResponse.Status, answer: JSONValue?) {
            try await post("replicate", body, headers: try RealProviderTests.standardHeaders(body, id: id))
        }

        func job(_ jobID: String) async throws -> JobState {
            try #require(try await store.job(jobID))
        }

        func register(_ jobID: String, provider: String, externalID: String?, cost: Int64 = 10) async throws {
            _ = try await store.execute(Fixtures.register(jobID, cost: cost, externalID: externalID, provider: provider))
        }
    }

    static func registry(signing: [String: String] = [:], extra: [String: ProviderProfile] = [:],
                         extraSecrets: [String: String] = [:]) throws -> ProviderRegistry {
        try ProviderRegistry(profiles: ProviderProfile.builtIn.merging(extra) { $1 },
                             secrets: ["replicate": replicateSecret, "wavespeed": wavespeedToken, "nca": ncaToken]
                                 .merging(extraSecrets) { $1 },
                             signingSecrets: signing)
    }

    static func withLedger(_ registry: ProviderRegistry, now: Date = now,
                           _ test: @escaping @Sendable (Ledger) async throws -> Void) async throws {
        let path = Fixtures.temporaryDatabasePath()
        let store = try SQLiteEventStore(path: path)
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: JobRoutesTests.keys), providers: registry,
                                      now: { now })
        try await Application(router: buildRouter(services)).test(.live) { client in
            try await test(Ledger(store: store, path: path, client: client))
        }
        try await checkLedger(store, path: path)
    }

    /// The log verifies, a rebuild gives the same projections, and the view's
    /// `output_urls` (SQL) equal the API's (Swift) for every job.
    static func checkLedger(_ store: SQLiteEventStore, path: String) async throws {
        #expect(try await store.verify().findings.isEmpty)
        #expect(try await store.rebuildCheck().matches)
        let rows = try ReadOnlyQuery(path: path, timeBudgetMilliseconds: 10_000).run("SELECT job_id, output_urls FROM jobs").rows
        for row in rows {
            let job = try #require(try await store.job(row[0] ?? ""))
            let fromSQL = JSONValue(jsonText: row[1] ?? "")
            #expect(fromSQL == .array(job.outputURLs.map(JSONValue.string)), "job \(job.jobID): \(row[1] ?? "nil")")
        }
    }

    static func standardHeaders(_ body: String, id: String, secret: String = replicateSecret) throws -> HTTPFields {
        let timestamp = String(Int64(now.timeIntervalSince1970))
        let signature = try #require(try StandardWebhookVerifier(secret: secret).sign(id: id, timestamp: timestamp, body: Data(body.utf8)))
        return [.webhookID: id, .webhookTimestamp: timestamp, .webhookSignature: "v1," + signature.base64EncodedString()]
    }

    /// WaveSpeed's `v3`, computed here from its documentation rather than by
    /// the code under test: HMAC-SHA256 keyed with the secret's text after
    /// `whsec_` (not base64-decoded), lowercase hex.
    static func wavespeedHeaders(_ body: String, id: String, at time: Date = now, key: Data? = nil) -> HTTPFields {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        let hmacKey = key ?? Data(wavespeedSigningSecret.dropFirst(6).utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: hmacKey))
        return [.webhookID: id, .webhookTimestamp: timestamp,
                .webhookSignature: "v3," + mac.map { String(format: "%02x", $0) }.joined()]
    }

    static func storedWebhook(_ store: SQLiteEventStore, jobID: String, at index: Int = -1) async throws -> WebhookReceived {
        let webhooks = try await store.events(inStream: StreamName.job(jobID)).compactMap { stored -> WebhookReceived? in
            if case .webhookReceived(let webhook) = try stored.decoded(with: EventCodec()).event { webhook } else { nil }
        }
        return try #require(index < 0 ? webhooks.last : webhooks[index])
    }

    // MARK: Replicate

    @Test func replicatePredictionsOfEveryStatus() async throws {
        typealias Body = RealProviderBodies.Replicate
        try await Self.withLedger(try Self.registry()) { ledger in
            try await ledger.register("r1", provider: "replicate", externalID: "azaq55dbukgxg6kubr4k6g3pby")
            // Recorded with a duplicate "model" key: the ledger reads it and keeps the body as sent.
            #expect(try await ledger.replicate(Body.startingRecorded, id: "msg_r1a").status == .ok)
            #expect(try await ledger.replicate(Body.processingRecorded, id: "msg_r1b").status == .ok)
            #expect(try await ledger.job("r1").status == .processing)
            #expect(try await ledger.replicate(Body.succeededListOfURLs, id: "msg_r1c").answer?["duplicate"] == .bool(false))
            // Replicate retries its final webhook with the same webhook-id.
            #expect(try await ledger.replicate(Body.succeededListOfURLs, id: "msg_r1c").answer?["duplicate"] == .bool(true))
            let r1 = try await ledger.job("r1")
            let url = "https://replicate.delivery/pbxt/gDoc64M9pRaQNdZb0evCRgm57WZJ5BKi0T5kzV6qm2tGmd8IA/out-0.png"
            #expect(r1.status == .completed && r1.refundedAmount == 0 && r1.webhookCount == 4 && r1.duplicateCount == 1)
            #expect(r1.outputURLs == [url] && r1.outputs == .array([.string(url)]), "\(r1.outputs)")

            try await ledger.register("r2", provider: "replicate", externalID: "vcscvthbaxrm80cq9xqtcbaw4m")
            #expect(try await ledger.replicate(Body.succeededStringURLWebhook, id: "msg_r2").status == .ok)
            #expect(try await ledger.job("r2").outputURLs
                    == ["https://replicate.delivery/xezq/Ap5zAUz9EC5wE9kl6vKKCEhKd9B30SdqwWdygMSpu7IvuMNF/tmp5v_v9dtm.png"])

            try await ledger.register("r3", provider: "replicate", externalID: "hdwst0bb05rgp0cf0p29mzk2am", cost: 7)
            #expect(try await ledger.replicate(Body.canceledRecorded, id: "msg_r3").status == .ok)
            let r3 = try await ledger.job("r3")
            #expect(r3.status == .cancelled && r3.refundedAmount == 7 && r3.completionSource == .webhook)

            // No `aborted` body has been published: the recorded canceled one with
            // the status Replicate documents for a prediction stopped before it started.
            let aborted = Body.canceledRecorded.replacingOccurrences(of: "hdwst0bb05rgp0cf0p29mzk2am", with: "abrt0bb05rgp0cf0p29mzk2am")
                .replacingOccurrences(of: #""status":"canceled""#, with: #""status":"aborted""#)
            try await ledger.register("r4", provider: "replicate", externalID: "abrt0bb05rgp0cf0p29mzk2am", cost: 5)
            #expect(try await ledger.replicate(aborted, id: "msg_r4").status == .ok)
            let r4 = try await ledger.job("r4")
            #expect(r4.status == .cancelled && r4.refundedAmount == 5 && r4.providerStatus == "aborted")

            try await ledger.register("r5", provider: "replicate", externalID: "f3wgzqmnyt8blkdrpxhcvos19u", cost: 9)
            #expect(try await ledger.replicate(Body.failedHandAuthored, id: "msg_r5").status == .ok)
            let r5 = try await ledger.job("r5")
            #expect(r5.status == .failed && r5.refundedAmount == 9)
            #expect(r5.failureReason?.hasPrefix("CUDA out of memory") == true)

            // Streaming text while processing: not URLs, and not outputs until it completes.
            try await ledger.register("r6", provider: "replicate", externalID: "pw050dtb51rj40cjb2vrcw97b8")
            #expect(try await ledger.replicate(Body.processingWithPartialTextOutput, id: "msg_r6").status == .ok)
            let r6 = try await ledger.job("r6")
            #expect(r6.status == .processing && r6.outputURLs.isEmpty && r6.outputs == .null)

            // The documentation's example arrives before the app reports its id: an orphan, adopted later.
            let orphan = try await ledger.replicate(Body.docsStartingExample, id: "msg_r7")
            #expect(orphan.status == .ok && orphan.answer?["job_id"] == .null)
            try await ledger.register("r7", provider: "replicate", externalID: "ufawqhfynnddngldkgtslldrkq")
            #expect(try await ledger.job("r7").webhookCount == 1)
        }
    }

    /// The published Standard Webhooks vector Replicate's SDKs test with
    /// verifies here too (at its own timestamp).
    @Test func replicatesPublishedSignatureVectorVerifies() throws {
        typealias Body = RealProviderBodies.Replicate
        let verifier = try StandardWebhookVerifier(secret: Body.signatureVectorSecret)
        try verifier.verify(id: Body.signatureVectorWebhookID, timestamp: Body.signatureVectorTimestamp,
                            signatures: Body.signatureVectorSignature, body: Data(Body.signatureVectorBody.utf8),
                            now: Int64(Body.signatureVectorTimestamp) ?? 0)
    }

    // MARK: WaveSpeed

    @Test func wavespeedWebhooksWithTokenAndSignature() async throws {
        typealias Body = RealProviderBodies.WaveSpeed
        let registry = try Self.registry(signing: ["wavespeed": Self.wavespeedSigningSecret])
        try await Self.withLedger(registry) { ledger in
            let query = "?token=\(Self.wavespeedToken)"
            try await ledger.register("w1", provider: "wavespeed", externalID: "45b392b22c3b449fa935bd4dc", cost: 3)
            let body = Body.webhookCompletedDocsRealData
            // Each alone is refused: with both configured, both are required.
            #expect(try await ledger.post("wavespeed", body, query: query).status == .unauthorized)
            #expect(try await ledger.post("wavespeed", body, headers: Self.wavespeedHeaders(body, id: "wh_1")).status == .unauthorized)
            // A signature keyed with the secret base64-decoded (as Standard Webhooks would) is not WaveSpeed's.
            let decodedKey = try #require(Data(base64Encoded: String(Self.wavespeedSigningSecret.dropFirst(6))))
            #expect(try await ledger.post("wavespeed", body, query: query,
                                          headers: Self.wavespeedHeaders(body, id: "wh_1", key: decodedKey)).status == .unauthorized)
            let stale = Self.now.addingTimeInterval(-301)
            #expect(try await ledger.post("wavespeed", body, query: query,
                                          headers: Self.wavespeedHeaders(body, id: "wh_1", at: stale)).status == .unauthorized)
            #expect(try await ledger.store.head().position == 1, "refusals change nothing")

            let accepted = try await ledger.post("wavespeed", body, query: query, headers: Self.wavespeedHeaders(body, id: "wh_1"))
            #expect(accepted.status == .ok && accepted.answer?["job_id"] == .string("w1"))
            let w1 = try await ledger.job("w1")
            #expect(w1.status == .completed && w1.failureReason == nil && w1.refundedAmount == 0)
            #expect(w1.outputURLs.count == 1 && w1.outputURLs[0].hasPrefix("https://d2p7pge43lyniu.cloudfront.net/output/"))
            let stored = try await Self.storedWebhook(ledger.store, jobID: "w1")
            #expect(stored.deliveryID == "wh_1" && stored.error == nil, "the signed webhook-id is the delivery id; \"\" is no error")

            // The documented template with the other status it names, and its error placeholder.
            let failed = Body.webhookDocsTemplate.replacingOccurrences(of: "<task_id>", with: "ws_failed_1")
                .replacingOccurrences(of: #""status": "completed""#, with: #""status": "failed""#)
            try await ledger.register("w2", provider: "wavespeed", externalID: "ws_failed_1", cost: 4)
            #expect(try await ledger.post("wavespeed", failed, query: query, headers: Self.wavespeedHeaders(failed, id: "wh_2")).status == .ok)
            let w2 = try await ledger.job("w2")
            #expect(w2.status == .failed && w2.refundedAmount == 4 && w2.failureReason == "<error>")
        }
    }

    /// The documentation's own example does not verify with the secret shown
    /// beside it (labelled "your secret"): kept as a forgery that must fail.
    @Test func wavespeedSignatureAloneWhenOnlyASigningSecretIsConfigured() async throws {
        typealias Body = RealProviderBodies.WaveSpeed
        let registry = try ProviderRegistry(signingSecrets: ["wavespeed": Body.docsWebhookSecret])
        let documented = Date(timeIntervalSince1970: TimeInterval(Body.docsWebhookTimestamp) ?? 0)
        try await Self.withLedger(registry, now: documented) { ledger in
            try await ledger.register("w1", provider: "wavespeed", externalID: "45b392b22c3b449fa935bd4dc")
            let body = Body.webhookCompletedDocsRealData
            let docsHeaders: HTTPFields = [.webhookID: Body.docsWebhookID, .webhookTimestamp: Body.docsWebhookTimestamp,
                                           .webhookSignature: Body.docsWebhookSignature]
            #expect(try await ledger.post("wavespeed", body, headers: docsHeaders).status == .unauthorized)
            let key = Data(Body.docsWebhookSecret.dropFirst(6).utf8)
            let ours = Self.wavespeedHeaders(body, id: Body.docsWebhookID, at: documented, key: key)
            #expect(try await ledger.post("wavespeed", body, headers: ours).status == .ok, "no token needed")
            #expect(try await ledger.job("w1").status == .completed)
        }
    }

    /// WaveSpeed's result API (what the poller reads) wraps the prediction in
    /// `data` and says `code: 200` even for a failed task.
    @Test(arguments: [
        (RealProviderBodies.WaveSpeed.resultProcessing, ReportedStatus.processing, nil as String?),
        (RealProviderBodies.WaveSpeed.resultCompleted, .completed, nil),
        (RealProviderBodies.WaveSpeed.resultFailed, .failed, "Error message here"),
        (RealProviderBodies.WaveSpeed.syncModeTimeoutMock, .processing,
         "Sync mode timed out after 90 seconds. The prediction is still processing asynchronously."),
    ])
    func wavespeedResultAnswersReadAsTheirStatus(_ body: String, _ status: ReportedStatus, _ error: String?) throws {
        let report = try ProviderProfile.wavespeed.report(from: try #require(JSONValue(jsonText: body)))
        #expect(report.reportedStatus == status && report.error == error)
    }

    // MARK: NCA

    /// The toolkit's job-status answer says `done` whether the job succeeded
    /// or failed: the job's own envelope (`response.response.code`) decides.
    @Test func ncaJobStatusDoneIsDecidedByTheJobsOwnCode() throws {
        let done = try #require(JSONValue(jsonText: RealProviderBodies.NCA.jobStatusDone))
        let succeeded = try ProviderProfile.ncaStatus.report(from: done)
        #expect(succeeded.reportedStatus == .completed && succeeded.rawStatus == "done" && succeeded.error == nil)
        #expect(succeeded.outputs == .string("Transcription completed successfully."), "the job's own response, not its envelope")

        // The same answer for a job that failed: the toolkit keeps the job's webhook envelope (its error 500 as documented).
        let failedEnvelope = try #require(JSONValue(jsonText: RealProviderBodies.NCA.webhookError500))
        let failed = try ProviderProfile.ncaStatus.report(from: Self.replacingJobEnvelope(of: done, with: failedEnvelope))
        #expect(failed.reportedStatus == .failed && failed.rawStatus == "done" && failed.error == "Error message details")

        // `done` with no envelope to decide by stays unknown: counted, never guessed.
        let bare = try ProviderProfile.ncaStatus.report(from: Self.replacingJobEnvelope(of: done, with: .null))
        #expect(bare.reportedStatus == .unknown && bare.rawStatus == "done")
    }

    private static func replacingJobEnvelope(of answer: JSONValue, with envelope: JSONValue) -> JSONValue {
        guard case .object(var outer) = answer, case .object(var file)? = outer["response"] else { return answer }
        file["response"] = envelope
        outer["response"] = .object(file)
        return .object(outer)
    }

    /// Run as Cloud Run jobs, the toolkit draws a `job_id` of its own for the
    /// webhook: our `id` finds the job, and the disagreement is recorded.
    @Test func ncaSuccessMatchedByOurIDWhenItsJobIDDisagrees() async throws {
        typealias Body = RealProviderBodies.NCA
        try await Self.withLedger(try Self.registry()) { ledger in
            let query = "?token=\(Self.ncaToken)"
            try await ledger.register("custom-job-123", provider: "nca", externalID: "0b7c3f1e-main-service-job-id")
            let answer = try await ledger.post("nca", Body.webhookSuccessCloud, query: query)
            #expect(answer.status == .ok && answer.answer?["job_id"] == .string("custom-job-123"))
            let job = try await ledger.job("custom-job-123")
            #expect(job.status == .completed && job.failureReason == nil && job.externalID == "0b7c3f1e-main-service-job-id")
            #expect(job.outputURLs == ["https://storage.example.com/segments.json", "https://storage.example.com/subtitles.srt",
                                       "https://storage.example.com/text.txt"])
            let stored = try await Self.storedWebhook(ledger.store, jobID: "custom-job-123")
            #expect(stored.matchedBy == .jobID && stored.externalID == "550e8400-e29b-41d4-a716-446655440000")
            #expect(stored.error == nil, "message \"success\" is no error")

            // The classic path: the webhook's job_id is the one the app reported; our id agrees.
            try await ledger.register("unique-request-id", provider: "nca", externalID: "a1b2c3d4-e5f6-g7h8-i9j0-k1l2m3n4o5p6")
            #expect(try await ledger.post("nca", Body.captionSuccessResponse, query: query).status == .ok)
            #expect(try await ledger.job("unique-request-id").outputURLs == ["https://cloud.example.com/captioned-video.mp4"])
            #expect(try await Self.storedWebhook(ledger.store, jobID: "unique-request-id").matchedBy == nil)
        }
    }

    /// An app that passes the toolkit one workflow id (`id`) for several runs:
    /// each run's webhook goes to the job that owns its `job_id`, not to the
    /// job the workflow id names (which it did: the second run's job was then
    /// failed by the watchdog and refunded although its work succeeded).
    @Test func ncaRunsSharingOneWorkflowIDEachReachTheirOwnJob() async throws {
        typealias Body = RealProviderBodies.NCA
        try await Self.withLedger(try Self.registry()) { ledger in
            try await ledger.register("unique-request-id", provider: "nca", externalID: "first-run-of-the-workflow")
            try await ledger.register("caption-step", provider: "nca", externalID: "a1b2c3d4-e5f6-g7h8-i9j0-k1l2m3n4o5p6")
            let answer = try await ledger.post("nca", Body.captionSuccessResponse, query: "?token=\(Self.ncaToken)")
            #expect(answer.status == .ok && answer.answer?["job_id"] == .string("caption-step"))
            #expect(try await ledger.job("caption-step").status == .completed)
            #expect(try await ledger.job("unique-request-id").status != .completed)
            #expect(try await Self.storedWebhook(ledger.store, jobID: "caption-step").matchedBy == nil)
        }
    }

    /// A failure, then the Cloud Run job's own failure webhook for the same
    /// run (no `job_id`, built as `gunicorn.conf.py` of the toolkit at cadbb22e
    /// builds it: `{code, id, message, error}`): one failure, one refund.
    @Test func ncaFailureAndTheCloudRunJobsSecondFailureRefundOnce() async throws {
        typealias Body = RealProviderBodies.NCA
        try await Self.withLedger(try Self.registry()) { ledger in
            let query = "?token=\(Self.ncaToken)"
            try await ledger.register("custom-job-123", provider: "nca", externalID: "550e8400-e29b-41d4-a716-446655440000", cost: 12)
            #expect(try await ledger.post("nca", Body.webhookError500, query: query).status == .ok)
            let cloudRunFailure = #"{"code": 500, "id": "custom-job-123", "message": "Job failed with status 500", "error": {"error": "Error message details"}}"#
            let second = try await ledger.post("nca", cloudRunFailure, query: query)
            #expect(second.status == .ok && second.answer?["job_id"] == .string("custom-job-123"))
            let job = try await ledger.job("custom-job-123")
            #expect(job.status == .failed && job.refundedAmount == 12 && job.failureReason == "Error message details")
            #expect(job.webhookCount == 2 && job.providerStatus == "500")
            let stored = try await Self.storedWebhook(ledger.store, jobID: "custom-job-123")
            #expect(stored.matchedBy == .jobID && stored.externalID.isEmpty && stored.error == "Job failed with status 500")
        }
    }

    @Test func ncaWebhooksThatNameNoJobOfTheirsAreRefusedOrKeptAsOrphans() async throws {
        try await Self.withLedger(try Self.registry()) { ledger in
            let query = "?token=\(Self.ncaToken)"
            let nowhere = #"{"code": 500, "id": "no-such-job", "message": "Job request failed: timeout", "error": "timeout"}"#
            let refused = try await ledger.post("nca", nowhere, query: query)
            #expect(refused.status == .badRequest, "\(String(describing: refused.answer))")
            #expect(try await ledger.store.head() == .genesis)
            // An id naming another provider's job is not followed.
            try await ledger.register("r1", provider: "replicate", externalID: "pred_1")
            let other = #"{"code": 200, "id": "r1", "job_id": "nca-unknown-1", "response": "https://cdn.example/x.mp4", "message": "success"}"#
            let orphan = try await ledger.post("nca", other, query: query)
            #expect(orphan.status == .ok && orphan.answer?["job_id"] == .null)
            #expect(try await ledger.job("r1").webhookCount == 0)
        }
    }

    // MARK: fal.ai, a custom profile from the documentation, signed as fal signs

    /// The profile is read from `docs/configuration.md` itself, so the
    /// documented example cannot stop working unnoticed.
    static func falProfileFromTheDocs() throws -> (profile: ProviderProfile, userID: String) {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/configuration.md")
        let text = try String(contentsOf: docs.standardized, encoding: .utf8)
        let section = try #require(text.range(of: "### Example: fal.ai"))
        let fence = try #require(text.range(of: "```json\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: fence.upperBound..<text.endIndex))
        let document = try #require(JSONValue(jsonText: String(text[fence.upperBound..<end.lowerBound])))
        guard case .object(let members)? = document["providers"]?["fal"] else { throw CancellationError() }
        let userID = try #require(members["secret"]?.stringValue)
        return (try ProviderProfile(configuredAs: "fal", members), userID)
    }

    /// A ledger with the documented fal profile whose keys fal serves on loopback;
    /// `test` gets fal's signer, the ledger and the configured fal user id.
    static func withFalLedger(refetchEvery: Duration = JWKSKeyring.refetchedAtMostEvery,
                              _ test: @escaping @Sendable (FalSigner, Ledger, String) async throws -> Void) async throws {
        let (profile, userID) = try falProfileFromTheDocs()
        try await FalSigner.serving(refetchEvery: refetchEvery) { fal in
            var registry = try Self.registry(extra: ["fal": profile], extraSecrets: ["fal": userID])
            registry.use(fal.keyring, for: "fal")
            try await Self.withLedger(registry) { ledger in try await test(fal, ledger, userID) }
        }
    }

    @Test func falThroughTheDocumentedCustomProfile() async throws {
        typealias Body = RealProviderBodies.Fal
        try await Self.withFalLedger { fal, ledger, userID in
            func post(_ body: String) async throws -> HTTPResponse.Status {
                try await ledger.post("fal", body, headers: fal.headers(body, userID: userID, at: Self.now)).status
            }
            try await ledger.register("f1", provider: "fal", externalID: "123e4567-e89b-12d3-a456-426614174000", cost: 6)
            #expect(try await post(Body.webhookOK) == .ok)
            let f1 = try await ledger.job("f1")
            #expect(f1.status == .completed && f1.outputURLs == ["https://url.to/image.png"])
            #expect(f1.outputs["seed"] == .int(196_619_188_014_358_660), "a seed past 2^53 is kept exactly")
            // The error body again for the same request: a contradiction, recorded and counted, never applied.
            #expect(try await post(Body.webhookError) == .ok)
            let after = try await ledger.job("f1")
            #expect(after.status == .completed && after.conflictCount == 1 && after.refundedAmount == 0)

            try await ledger.register("f2", provider: "fal", externalID: "024ca5b1-45d3-4afd-883e-ad3abe2a1c4d", cost: 6)
            let failed = Body.webhookError.replacingOccurrences(of: "123e4567-e89b-12d3-a456-426614174000",
                                                                with: "024ca5b1-45d3-4afd-883e-ad3abe2a1c4d")
            #expect(try await post(failed) == .ok)
            let f2 = try await ledger.job("f2")
            #expect(f2.status == .failed && f2.refundedAmount == 6 && f2.failureReason == "Invalid status code: 422")
            #expect(try await post(Body.webhookOKLegacy) == .ok, "a late success after the failure: a late completion")
            #expect(try await ledger.job("f2").lateCompletedAt != nil)
            #expect(try await ledger.job("f2").outputURLs == ["https://url.to/image.png"], "late outputs count too")

            // OK with no payload (fal could not serialise the result): completed, with no outputs to show.
            let unserialisable = Body.webhookPayloadError.replacingOccurrences(of: "123e4567-e89b-12d3-a456-426614174000",
                                                                              with: "fal-payload-error-1")
            try await ledger.register("f3", provider: "fal", externalID: "fal-payload-error-1")
            #expect(try await post(unserialisable) == .ok)
            let f3 = try await ledger.job("f3")
            #expect(f3.status == .completed && f3.outputs == .null && f3.outputURLs.isEmpty)
            #expect(fal.fetches() == 1, "the key set fetched once, kept")
        }
    }

    /// Forged, altered, stale, another account's, unsigned, or signed by a key
    /// fal does not publish: refused 401, nothing stored. A key fal adds
    /// later (rotation) is fetched when a webhook needs it, at most once a minute.
    @Test func falWebhooksNotSignedAsFalSignsAreRefusedAndChangeNothing() async throws {
        typealias Body = RealProviderBodies.Fal
        try await Self.withFalLedger { fal, ledger, userID in
            try await ledger.register("f1", provider: "fal", externalID: "123e4567-e89b-12d3-a456-426614174000", cost: 6)
            let head = try await ledger.store.head()
            let good = fal.headers(Body.webhookOK, userID: userID, at: Self.now)
            var altered = good
            altered[HTTPField.Name("x-fal-webhook-request-id")!] = "another-request"
            let forger = Curve25519.Signing.PrivateKey()
            let cases: [(String, String, HTTPFields)] = [
                ("the body changed after signing", Body.webhookOK.replacingOccurrences(of: "image.png", with: "evil.png"), good),
                ("a signed header changed", Body.webhookOK, altered),
                ("stale (6 minutes old)", Body.webhookOK, fal.headers(Body.webhookOK, userID: userID, at: Self.now.addingTimeInterval(-360))),
                ("another fal account's", Body.webhookOK, fal.headers(Body.webhookOK, userID: "someone-else", at: Self.now)),
                ("unsigned", Body.webhookOK, [:]),
                ("signed by a key fal does not publish", Body.webhookOK,
                 fal.headers(Body.webhookOK, userID: userID, at: Self.now, key: forger)),
                ("a signature that is not hex", Body.webhookOK, { var h = good; h[HTTPField.Name("x-fal-webhook-signature")!] = "zz"; return h }()),
            ]
            for (what, body, headers) in cases {
                let answer = try await ledger.post("fal", body, headers: headers)
                #expect(answer.status == .unauthorized, "\(what): \(String(describing: answer.answer))")
            }
            #expect(try await ledger.store.head() == head, "nothing stored")
            #expect(fal.fetches() == 1, "fetched once: forgeries within a minute of it fetch nothing more: \(fal.fetches())")
        }
    }

    /// fal rotates its key: the new one is published, and the first webhook
    /// it signs fetches the set again (here with no minute between fetches).
    @Test func aKeyFalRotatedToIsFetchedWhenAWebhookNeedsIt() async throws {
        typealias Body = RealProviderBodies.Fal
        try await Self.withFalLedger(refetchEvery: .zero) { fal, ledger, userID in
            try await ledger.register("f1", provider: "fal", externalID: "123e4567-e89b-12d3-a456-426614174000", cost: 6)
            _ = await fal.keyring.current()
            let rotated = Curve25519.Signing.PrivateKey()
            fal.publish([rotated.publicKey])
            let answer = try await ledger.post("fal", Body.webhookOK, headers: fal.headers(Body.webhookOK, userID: userID, at: Self.now, key: rotated))
            #expect(answer.status == .ok && fal.fetches() == 2, "\(String(describing: answer.answer))")
            #expect(try await ledger.job("f1").status == .completed)
        }
    }

    // MARK: Words no profile knows

    @Test func unknownStatusWordsAreCountedPerProviderAndWord() async throws {
        try await Self.withLedger(try Self.registry()) { ledger in
            try await ledger.register("r1", provider: "replicate", externalID: "pred_u1")
            let paused = #"{"id":"pred_u1","status":"paused","output":null,"error":null}"#
            #expect(try await ledger.replicate(paused, id: "msg_u1").status == .ok)
            #expect(try await ledger.replicate(paused, id: "msg_u1").answer?["duplicate"] == .bool(true))
            let orphanPaused = #"{"id":"pred_u2","status":"paused","output":null,"error":null}"#
            #expect(try await ledger.replicate(orphanPaused, id: "msg_u2").status == .ok)
            #expect(try await ledger.job("r1").status == .processing, "an unknown word decides nothing")
            let health = try await ledger.store.providerHealth().first { $0.provider == "replicate" }
            #expect(health?.unknownStatuses == 2, "a duplicate is not counted again")
            let rows = try ReadOnlyQuery(path: ledger.path, timeBudgetMilliseconds: 10_000)
                .run("SELECT provider, raw_status, reports FROM unknown_statuses").rows
            #expect(rows == [["replicate", "paused", "2"]])
            let metrics = try await ledger.client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(metrics.contains(#"ledger_provider_unknown_statuses_total{provider="replicate"} 2"#))
        }
    }
}
