import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerProviders
import Synchronization

/// A Replicate webhook as the provider sends it to a `ledger serve` on
/// loopback: Standard Webhooks headers signed with ``secret``, which the
/// storm tests give the server as `LEDGER_PROVIDER_REPLICATE_SECRET`.
enum SignedDelivery {
    static let secret = "whsec_" + Data("storm-secret-0123456789abcdef".utf8).base64EncodedString()
    private static let signer = try! StandardWebhookVerifier(secret: secret)

    /// Posts `body` as delivery `id`; the answer's status, nil when none came within `timeout` seconds.
    static func send(id: String, body: String, port: Int, timeout: TimeInterval, session: URLSession) async -> Int? {
        let timestamp = String(Int64(Date().timeIntervalSince1970))
        let signature = signer.sign(id: id, timestamp: timestamp, body: Data(body.utf8))!.base64EncodedString()
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/webhooks/replicate")!)
        request.httpMethod = "POST"
        request.timeoutInterval = timeout
        request.setValue(id, forHTTPHeaderField: "webhook-id")
        request.setValue(timestamp, forHTTPHeaderField: "webhook-timestamp")
        request.setValue("v1,\(signature)", forHTTPHeaderField: "webhook-signature")
        request.httpBody = Data(body.utf8)
        guard let (_, response) = try? await session.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }
}

/// A value the storms' workers share.
final class Shared<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    init(_ value: Value) { state = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { state.withLock { body(&$0) } }
}
