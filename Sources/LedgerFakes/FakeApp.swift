import Foundation
import Hummingbird
import LedgerCore
import LedgerProviders
import NIOCore
import Synchronization

/// The app's notification endpoint on loopback (`POST /hooks`): verifies the
/// ledger's Standard Webhooks signature and records every delivery it
/// accepted, by `webhook-id`; its modes make it down, failing, slow or
/// redirecting.
public final class FakeApp: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case up
        /// 503 with `Retry-After: 1`.
        case down
        /// 500.
        case fail
        /// Answers 200 after 2 s.
        case slow
        /// 302 elsewhere (must not be followed).
        case redirect
        /// 410 Gone.
        case gone
        /// 429 with `Retry-After: 3600` (longer than the ledger honours).
        case throttle
        /// Takes the delivery, then answers 200 with a 2 MiB body.
        case huge
    }

    public struct Delivery: Sendable, Equatable {
        public var webhookID: String
        public var body: String
        /// The `webhook-timestamp` and `webhook-signature` it came with, for checking it again elsewhere.
        public var timestamp = ""
        public var signature = ""
    }

    private struct State {
        var mode = Mode.up
        var accepted: [Delivery] = []
        var refused = 0
        var forged = 0
    }

    private let state = Mutex(State())
    public let secret: String
    private let verifier: StandardWebhookVerifier

    public init(secret: String = "whsec_" + Data("fake-app-secret-0123456789".utf8).base64EncodedString()) {
        self.secret = secret
        verifier = try! StandardWebhookVerifier(secret: secret)
    }

    public var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    /// Deliveries answered 2xx, in arrival order.
    public var accepted: [Delivery] { state.withLock { $0.accepted } }
    /// Requests answered with an error by mode.
    public var refused: Int { state.withLock { $0.refused } }
    /// Requests whose signature did not verify.
    public var forged: Int { state.withLock { $0.forged } }

    public func add(to router: Router<BasicRequestContext>) {
        router.post("hooks") { request, _ in try await self.receive(request) }
    }

    /// The answer a refusing mode gives instead of taking the delivery; nil for the modes that take it.
    private static func refusal(in mode: Mode) -> Response? {
        switch mode {
        case .down: Response(status: .serviceUnavailable, headers: [.retryAfter: "1"])
        case .fail: Response(status: .internalServerError)
        case .redirect: Response(status: .found, headers: [.location: "http://127.0.0.1:9/hooks"])
        case .gone: Response(status: .gone)
        case .throttle: Response(status: .tooManyRequests, headers: [.retryAfter: "3600"])
        case .up, .slow, .huge: nil
        }
    }

    private func receive(_ request: Request) async throws -> Response {
        var request = request
        let body = Data(try await request.collectBody(upTo: 1 << 20).readableBytesView)
        let headers = request.headers
        do {
            try verifier.verify(id: headers[.init("webhook-id")!], timestamp: headers[.init("webhook-timestamp")!],
                                signatures: headers[.init("webhook-signature")!], body: body,
                                now: Int64(headers[.init("webhook-timestamp")!] ?? "0") ?? 0)
        } catch {
            state.withLock { $0.forged += 1 }
            return Response(status: .unauthorized)
        }
        let mode = self.mode
        if let refusal = Self.refusal(in: mode) {
            state.withLock { $0.refused += 1 }
            return refusal
        }
        if mode == .slow { try await Task.sleep(for: .seconds(2)) }
        let delivery = Delivery(webhookID: headers[.init("webhook-id")!] ?? "", body: String(decoding: body, as: UTF8.self),
                                timestamp: headers[.init("webhook-timestamp")!] ?? "", signature: headers[.init("webhook-signature")!] ?? "")
        state.withLock { $0.accepted.append(delivery) }
        guard mode == .huge else { return Response(status: .noContent) }
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20)))
    }
}
