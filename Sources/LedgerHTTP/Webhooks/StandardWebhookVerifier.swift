import Crypto
import Foundation

/// Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`): HMAC-SHA256 over `id.timestamp.body` with the
/// `whsec_` secret, checked on the raw body before anything parses it.
///
/// The signature header may list several space-separated signatures (secret
/// rotation); any `v1` match passes. Timestamps more than
/// ``timestampToleranceSeconds`` away from now are refused (replays).
public struct StandardWebhookVerifier: Sendable {
    public static let timestampToleranceSeconds: Int64 = 300
    /// The key bytes (SymmetricKey is not Sendable; it is rebuilt per check).
    private let keyBytes: Data

    /// `secret` is `whsec_<base64>` (the prefix is optional).
    public init(secret: String) throws(WebhookRejection) {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else {
            throw .misconfigured("the provider secret is not whsec_ followed by base64")
        }
        keyBytes = bytes
    }

    /// Checks the signature of `body`; `now` is seconds since 1970.
    public func verify(id: String?, timestamp: String?, signatures: String?, body: Data,
                       now: Int64) throws(WebhookRejection) {
        guard let id, !id.isEmpty, let timestamp, let signatures else {
            throw .unauthenticated("missing webhook-id, webhook-timestamp or webhook-signature")
        }
        guard let seconds = Int64(timestamp) else { throw .unauthenticated("webhook-timestamp is not a number") }
        guard abs(now - seconds) <= Self.timestampToleranceSeconds else {
            throw .unauthenticated("webhook-timestamp is more than 5 minutes from now (a replay, or a clock off)")
        }
        let expected = sign(id: id, timestamp: timestamp, body: body)
        let presented = signatures.split(separator: " ").compactMap { entry -> Data? in
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1" else { return nil }
            return Data(base64Encoded: String(parts[1]))
        }
        var matched = false
        for signature in presented where ConstantTime.equal(signature, expected) { matched = true }
        guard matched else { throw .unauthenticated("no v1 signature matches the body; check the provider secret") }
    }

    /// The signature bytes for `id.timestamp.body` (also what `ledger sign` prints).
    public func sign(id: String, timestamp: String, body: Data) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return Data(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: keyBytes)))
    }
}

/// Why a webhook was not accepted; the route maps these to 401/400/404.
public enum WebhookRejection: Error, Sendable, Equatable {
    case unauthenticated(String)
    case unparseable(String)
    case misconfigured(String)
}
