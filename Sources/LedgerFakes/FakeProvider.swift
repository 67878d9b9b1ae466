import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import LedgerCore
import LedgerProviders
import NIOCore
import Synchronization

/// A provider on loopback for end-to-end tests and demos (the incidents it exists for):
/// a Replicate-style status API (`GET /v1/predictions/{id}`), outputs at
/// `/outputs/{id}` for HEAD polling, and signed webhooks sent to the ledger,
/// each behaviour switchable by mode.
public final class FakeProvider: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Answers and sends webhooks.
        case normal
        /// Never sends webhooks (they are lost); the status API answers.
        case drop
        /// Sends every webhook twice.
        case duplicate
        /// Sends the terminal webhook before the processing one.
        case reorder
        /// The status API answers 500 with `Retry-After: 1`; no webhooks (an outage).
        case fail
        /// The status API alternates 500 and 200.
        case flap
        /// The status API answers after 2 s.
        case slow
        /// The status API redirects to another address (which must not be followed).
        case redirect
        /// Sends webhooks late (after `webhookDelay`).
        case delay
        /// The status API answers 429 with `Retry-After: 120` (rate limited).
        case throttle
        /// The status API answers 200 with an HTML page (a proxy's error page).
        case html
        /// The status API answers 200 with JSON cut off mid-object.
        case truncated
    }

    private struct Prediction: Sendable {
        var status: String
        var output: JSONValue
    }

    private struct State {
        var mode = Mode.normal
        var predictions: [String: Prediction] = [:]
        var statusCalls = 0
        var created = 0
        var toolkitAnswers: [String: String] = [:]
    }

    /// Where `POST /v1/predictions` sends its webhooks (the ledger's
    /// `/v1/webhooks/replicate`), how long a prediction runs, and how late
    /// webhooks arrive in `delay` mode.
    public struct Sending: Sendable {
        public var webhookURL: String
        public var runFor: Duration
        public var webhookDelay: Duration

        public init(webhookURL: String, runFor: Duration = .seconds(1), webhookDelay: Duration = .seconds(5)) {
            self.webhookURL = webhookURL
            self.runFor = runFor
            self.webhookDelay = webhookDelay
        }
    }

    private let sending: Sending?

    private let state = Mutex(State())
    /// Signs the webhooks it sends (Standard Webhooks `v1`).
    public let secret: String
    private let signer: StandardWebhookVerifier

    public init(secret: String = "whsec_" + Data("fake-provider-secret-0123".utf8).base64EncodedString(), sending: Sending? = nil) {
        self.secret = secret
        self.sending = sending
        signer = try! StandardWebhookVerifier(secret: secret)
    }

    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// How many times the status API was called.
    public var statusCalls: Int { state.withLock { $0.statusCalls } }

    /// Starts a prediction (`processing`).
    public func start(_ id: String) {
        state.withLock { $0.predictions[id] = Prediction(status: "processing", output: .null) }
    }

    /// Ends a prediction; the status API reports it from now on.
    public func finish(_ id: String, succeeded: Bool) {
        state.withLock {
            $0.predictions[id] = Prediction(status: succeeded ? "succeeded" : "failed",
                                            output: succeeded ? .array([.string("https://cdn.example/\(id).mp4")]) : .null)
        }
    }

    /// The webhooks the provider would send for `id` now (after `finish`), signed, by mode.
    public func webhooks(for id: String, at time: Date, deliveryPrefix: String = "msg") -> [(headers: [(String, String)], body: String)] {
        let (mode, prediction) = state.withLock { ($0.mode, $0.predictions[id]) }
        guard let prediction, mode != .drop, mode != .fail else { return [] }
        // `delay` only changes when `create` sends them.
        func signed(_ status: String, _ output: JSONValue, _ suffix: String) -> ([(String, String)], String) {
            let body = JSONValue.object(["id": .string(id), "status": .string(status), "output": output,
                                         "error": status == "failed" ? .string("provider error") : .null]).jsonText
            let messageID = "\(deliveryPrefix)_\(id)_\(suffix)"
            let timestamp = String(Int64(time.timeIntervalSince1970))
            let signature = signer.sign(id: messageID, timestamp: timestamp, body: Data(body.utf8))!.base64EncodedString()
            return ([("webhook-id", messageID), ("webhook-timestamp", timestamp), ("webhook-signature", "v1," + signature),
                     ("content-type", "application/json")], body)
        }
        let terminal = signed(prediction.status, prediction.output, prediction.status)
        let progress = signed("processing", .null, "processing")
        switch mode {
        case .duplicate: return [progress, terminal, terminal]
        case .reorder: return [terminal, progress]
        default: return [progress, terminal]
        }
    }

    /// What the NCA toolkit's `POST /v1/toolkit/job/status` answers for the
    /// job `externalID` (the body as the toolkit sends it); unset jobs get 404.
    public func answerToolkitStatus(_ externalID: String, with body: String) {
        state.withLock { $0.toolkitAnswers[externalID] = body }
    }

    public func add(to router: Router<BasicRequestContext>) {
        router.post("v1/toolkit/job/status") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let asked = (try? JSONParser.parse(String(buffer: body)))?["job_id"]?.stringValue ?? ""
            let (answer, key) = self.state.withLock { state in
                state.statusCalls += 1
                return (state.toolkitAnswers[asked], request.headers.first { $0.name.canonicalName == "x-api-key" }?.value)
            }
            guard key != nil, let answer else { return Response(status: key == nil ? .unauthorized : .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        router.get("v1/predictions/:id") { _, context in try await self.status(context.parameters.require("id")) }
        router.post("v1/predictions") { _, _ in try await self.create() }
        router.head("outputs/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let done = self.state.withLock { $0.predictions[id]?.status == "succeeded" }
            return Response(status: done ? .ok : .notFound)
        }
    }

    private func status(_ id: String) async throws -> Response {
        let (mode, prediction, calls) = state.withLock { state -> (Mode, Prediction?, Int) in
            state.statusCalls += 1
            return (state.mode, state.predictions[id], state.statusCalls)
        }
        switch mode {
        case .fail:
            return Response(status: .internalServerError, headers: [.retryAfter: "1"])
        case .flap where calls % 2 == 1:
            return Response(status: .internalServerError)
        case .slow:
            try await Task.sleep(for: .seconds(2))
        case .redirect:
            return Response(status: .found, headers: [.location: "http://127.0.0.1:9/v1/predictions/\(id)"])
        case .throttle:
            return Response(status: .tooManyRequests, headers: [.retryAfter: "120"])
        case .html:
            return Response(status: .ok, headers: [.contentType: "text/html"],
                            body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>502 Bad Gateway</h1></body></html>")))
        case .truncated:
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"id":"\#(id)","status":"succeeded","output":["https://cdn"#)))
        default:
            break
        }
        guard let prediction else { return Response(status: .notFound) }
        let body = JSONValue.object(["id": .string(id), "status": .string(prediction.status), "output": prediction.output,
                                     "error": prediction.status == "failed" ? .string("provider error") : .null])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body.jsonText)))
    }

    /// `POST /v1/predictions`: starts a prediction that succeeds after
    /// `runFor`, then sends its webhooks (by mode) to `webhookURL`.
    private func create() async throws -> Response {
        let id = state.withLock { state -> String in
            state.created += 1
            return "pred_fake_\(state.created)"
        }
        start(id)
        if let sending {
            Task {
                try await Task.sleep(for: sending.runFor)
                self.finish(id, succeeded: true)
                if self.mode == .delay { try await Task.sleep(for: sending.webhookDelay) }
                for webhook in self.webhooks(for: id, at: Date()) { await Self.post(webhook, to: sending.webhookURL) }
            }
        }
        let body = JSONValue.object(["id": .string(id), "status": .string("starting")]).jsonText
        return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Sends one webhook; a failure is the provider's problem (it does not retry, like many).
    static func post(_ webhook: (headers: [(String, String)], body: String), to url: String) async {
        guard let target = URL(string: url) else { return }
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.timeoutInterval = 5
        for (name, value) in webhook.headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(webhook.body.utf8)
        _ = try? await URLSession.shared.data(for: request)
    }
}
