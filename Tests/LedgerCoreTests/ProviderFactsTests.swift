import Foundation
import LedgerCore
import LedgerTesting
import Testing

/// What the core does with facts as providers really send them: where a
/// webhook goes, which URLs a job's outputs hold, what the app is told with
/// `LEDGER_NOTIFY_EVENTS=all`, and how a version 1 `webhook.received` reads.
@Suite struct ProviderFactsTests {
    func job(_ jobID: String, provider: String = "nca", externalID: String? = nil, events: [LedgerEvent] = []) -> JobState {
        var state = JobState(jobID: jobID)
        let all: [LedgerEvent] = [.jobRegistered(Fixtures.registration(jobID, provider: provider, externalID: externalID))] + events
        for (index, event) in all.enumerated() {
            state.apply(event, version: Int64(index + 1), at: Timestamp(millisecondsSinceEpoch: Int64(index)))
        }
        return state
    }

    // MARK: Routing

    /// The external id a job owns wins over the job id the body names: apps
    /// pass NCA one workflow id for several toolkit runs, and a second run's
    /// success went to the first job while its own job was failed and refunded.
    @Test func anOwnedExternalIDWinsAndOurJobIDDecidesWhereNoneOwnsIt() {
        let webhook = Fixtures.webhook("theirs", .completed, delivery: "d", provider: "nca")
        let claimed = job("ours")
        #expect(WebhookRoute.of(webhook, claimedJobID: "ours", claimedJob: claimed, owner: "other")
                == .job(jobID: "other", matchedBy: nil))
        #expect(WebhookRoute.of(webhook, claimedJobID: "ours", claimedJob: claimed, owner: nil) == .job(jobID: "ours", matchedBy: .jobID))
        #expect(WebhookRoute.of(webhook, claimedJobID: "ours", claimedJob: claimed, owner: "ours") == .job(jobID: "ours", matchedBy: nil),
                "agreement is no news")
    }

    @Test func aClaimThatNamesNoJobOfThisProviderIsIgnored() {
        let webhook = Fixtures.webhook("theirs", .completed, delivery: "d", provider: "nca")
        let otherProvider = job("r1", provider: "replicate")
        #expect(WebhookRoute.of(webhook, claimedJobID: "r1", claimedJob: otherProvider, owner: nil) == .orphan)
        #expect(WebhookRoute.of(webhook, claimedJobID: "ghost", claimedJob: JobState(jobID: "ghost"), owner: "owner")
                == .job(jobID: "owner", matchedBy: nil))
        var anonymous = webhook
        anonymous.externalID = ""
        guard case .unroutable = WebhookRoute.of(anonymous, claimedJobID: "ghost", claimedJob: nil, owner: nil) else {
            Issue.record("a webhook with no known job id and no external id has nowhere to go")
            return
        }
    }

    // MARK: Output URLs

    @Test(arguments: [
        (#""https://a.example/1.png""#, ["https://a.example/1.png"]),
        (#"["https://a/1", "not a url", "https://a/1", "HTTP://B/2", "ftp://c/3", " https://lead.space"]"#,
         ["https://a/1", "HTTP://B/2"]),
        (#"{"text_url": "https://s/t.txt", "srt_url": "https://s/s.srt", "text": null, "n": 3}"#,
         ["https://s/s.srt", "https://s/t.txt"]),
        (#"{"images": [{"url": "http://i/1.png", "width": 1}, {"url": "http://i/2.png"}], "seed": 196619188014358660}"#,
         ["http://i/1.png", "http://i/2.png"]),
        (#"[["\n\n", "Here is"], {"deep": {"deeper": ["https://d/x"]}}]"#, ["https://d/x"]),
        ("null", []),
    ])
    func everyHTTPURLInOrderWithoutDuplicates(_ outputs: String, _ expected: [String]) throws {
        #expect(try #require(JSONValue(jsonText: outputs)).outputURLs == expected)
    }

    @Test func lateOutputsFollowTheOutputs() {
        var state = JobState(jobID: "j")
        state.outputs = .array([.string("https://a/1")])
        state.lateOutputs = .array([.string("https://a/1"), .string("https://b/2")])
        #expect(state.outputURLs == ["https://a/1", "https://b/2"])
    }

    // MARK: Starts and progress

    func decide(_ command: JobCommand, _ state: JobState, events: NotifyEvents = .all) throws -> [LedgerEvent] {
        let context = DecisionContext(now: Timestamp(millisecondsSinceEpoch: 99), factPosition: 40,
                                      notificationsEnabled: true, notifyEvents: events)
        return try Decider.decide(command, state: state, context: context)
    }

    func queued(_ events: [LedgerEvent]) -> [String] {
        events.compactMap { if case .notificationQueued(let step) = $0 { "\(step.event)@\(step.notificationID)" } else { nil } }
    }

    @Test func theFirstProcessingReportStartsThenWebhooksAreProgress() throws {
        let open = job("j", provider: "replicate", externalID: "x")
        let first = Fixtures.webhook("x", .processing, delivery: "d1")
        #expect(queued(try decide(.webhook(first), open)) == ["job.started@ntf_40"])
        let started = job("j", provider: "replicate", externalID: "x", events: [.webhookReceived(first)])
        let second = Fixtures.webhook("x", .processing, delivery: "d2")
        #expect(queued(try decide(.webhook(second), started)) == ["job.progress@ntf_40"])
        #expect(queued(try decide(.webhook(first), started)).isEmpty, "a duplicate is no progress")
        #expect(queued(try decide(.poll(Fixtures.poll(.processing)), started)).isEmpty, "a poll saying processing again is no progress")
        #expect(queued(try decide(.poll(Fixtures.poll(.processing)), open)) == ["job.started@ntf_40"], "a poll may start a job")
        #expect(queued(try decide(.webhook(Fixtures.webhook("x", .queued, delivery: "d3")), open)).isEmpty, "queued is not started")
    }

    @Test func terminalOnlyByDefaultAndNothingForAnEndedJob() throws {
        let open = job("j", provider: "replicate", externalID: "x")
        let processing = Fixtures.webhook("x", .processing, delivery: "d1")
        #expect(queued(try decide(.webhook(processing), open, events: .terminal)).isEmpty)
        let done = Fixtures.webhook("x", .completed, delivery: "d2")
        #expect(queued(try decide(.webhook(done), open)) == ["job.completed@ntf_41"], "a completion is told once, as a completion")
        let ended = job("j", provider: "replicate", externalID: "x", events: [
            .webhookReceived(done), .jobCompleted(JobCompleted(source: .webhook, outputs: .null, evidencePosition: 2)),
        ])
        #expect(queued(try decide(.webhook(processing), ended)).isEmpty)
    }

    /// A cancellation is a terminal change the app is told of, with or without a refund to tell.
    @Test func aCancellationIsToldWithItsRefundOrAlone() throws {
        var free = JobState(jobID: "f")
        free.apply(.jobRegistered(Fixtures.registration("f", cost: 0)), version: 1, at: Timestamp(millisecondsSinceEpoch: 1))
        #expect(queued(try decide(.cancel(reason: "user"), free, events: .terminal)) == ["job.cancelled@ntf_40"])
        #expect(queued(try decide(.cancel(reason: "user"), job("j"), events: .terminal)) == ["job.cancelled@ntf_40", "credit.refunded@ntf_41"])
    }

    // MARK: Schema versions

    /// Version 2 only added `matched_by`: version 1 data reads as it is, on both decoding paths.
    @Test func aVersion1WebhookReadsAsVersion2() throws {
        let file = CodecTests.schemas.appendingPathComponent("webhook.received.v1.example.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let codec = EventCodec()
        let old = try codec.decode(type: "webhook.received", schemaVersion: 1, data: text)
        #expect(old == (try codec.decode(type: "webhook.received", schemaVersion: 2, data: text)))
        let fast = try Array(text.utf8).withUnsafeBufferPointer { bytes in
            try codec.decode(type: .webhookReceived, schemaVersion: 1, utf8: bytes)
        }
        #expect(fast == old)
        guard case .webhookReceived(let webhook) = old else { throw CancellationError() }
        #expect(webhook.matchedBy == nil)
        #expect(throws: EventDecodingError.unsupportedVersion(type: "webhook.received", version: 3)) {
            try Array(text.utf8).withUnsafeBufferPointer { bytes in
                try codec.decode(type: .webhookReceived, schemaVersion: 3, utf8: bytes)
            }
        }
    }
}
