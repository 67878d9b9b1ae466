import Crypto
import Foundation
import LedgerCore

/// Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature`) over `id.timestamp.body`, checked on the raw body
/// before anything parses it: `v1` is HMAC-SHA256 with a `whsec_` secret,
/// `v1a` Ed25519 with a `whpk_` public key. WaveSpeed signs with the same
/// headers and content but its own `v3`: a hex HMAC-SHA256 keyed with the
/// secret's text itself (``WebhookCredentials/v3Keys``).
///
/// The signature header may list several space-separated signatures (the
/// provider rotating its secret); any match with any configured key passes.
/// Timestamps more than ``timestampToleranceSeconds`` away from now are
/// refused (replays).
public struct StandardWebhookVerifier: Sendable {
    public static let timestampToleranceSeconds: Int64 = 300
    private let credentials: WebhookCredentials

    public init(credentials: WebhookCredentials) {
        self.credentials = credentials
    }

    /// `secret` is `whsec_<base64>` or `whpk_<base64>`, or several of them.
    public init(secret: String) throws(WebhookRejection) {
        credentials = try WebhookCredentials(parsing: secret, for: .standardWebhooks)
    }

    /// Checks the signature of `body`; `now` is seconds since 1970.
    public func verify(id: String?, timestamp: String?, signatures: String?, body: Data,
                       now: Int64) throws(WebhookRejection) {
        guard let id, !id.isEmpty, let timestamp, let signatures else {
            throw .unauthenticated("missing webhook-id, webhook-timestamp or webhook-signature")
        }
        guard let seconds = Int64(timestamp) else { throw .unauthenticated("webhook-timestamp is not a number") }
        // Subtracted with overflow checked: a timestamp near Int64.min would
        // otherwise trap (crash the server) before any signature is looked at.
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= UInt64(Self.timestampToleranceSeconds) else {
            throw .unauthenticated("webhook-timestamp is more than 5 minutes from now (a replay, or a clock off)")
        }
        let content = Self.signedContent(id: id, timestamp: timestamp, body: body)
        let expected = credentials.hmacKeys.map { Self.hmac(content, key: $0) }
        var matched = false
        for entry in signatures.split(separator: " ") where !entry.hasPrefix("v3,") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, let signature = Data(base64Encoded: String(parts[1])) else { continue }
            switch parts[0] {
            case "v1": for candidate in expected where ConstantTime.equal(signature, candidate) { matched = true }
            case "v1a": if verifiesEd25519(signature, content) { matched = true }
            default: continue
            }
        }
        for entry in signatures.split(separator: " ") where entry.hasPrefix("v3,") {
            guard let signature = Hex.bytes(entry.dropFirst(3)).map({ Data($0) }) else { continue }
            for key in credentials.v3Keys where ConstantTime.equal(signature, Self.hmac(content, key: key)) { matched = true }
        }
        guard matched else {
            throw .unauthenticated("no v1, v1a or v3 signature matches the body with the configured secret; check the provider secret")
        }
    }

    private func verifiesEd25519(_ signature: Data, _ content: Data) -> Bool {
        credentials.ed25519PublicKeys.contains { key in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key))?.isValidSignature(signature, for: content) ?? false
        }
    }

    /// The `v1` signature bytes for `id.timestamp.body` with the first
    /// `whsec_` secret (what `ledger sign` prints); nil without one.
    public func sign(id: String, timestamp: String, body: Data) -> Data? {
        credentials.hmacKeys.first.map { Self.hmac(Self.signedContent(id: id, timestamp: timestamp, body: body), key: $0) }
    }

    /// The `v1a` signature for `id.timestamp.body` with an Ed25519 private
    /// key given as `whsk_<base64>` of its 32-byte seed (or seed and public key).
    public static func signEd25519(id: String, timestamp: String, body: Data, secretKey: String) throws(WebhookRejection) -> Data {
        guard secretKey.hasPrefix("whsk_"), let bytes = Data(base64Encoded: String(secretKey.dropFirst(5))),
              bytes.count == 32 || bytes.count == 64,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes.prefix(32)),
              let signature = try? key.signature(for: signedContent(id: id, timestamp: timestamp, body: body))
        else { throw .misconfigured("a v1a signing key is whsk_ followed by the base64 of a 32-byte Ed25519 seed") }
        return signature
    }

    /// The `v3` signature (lowercase hex) for `id.timestamp.body` with the
    /// first WaveSpeed-style signing secret; nil without one.
    public func signV3(id: String, timestamp: String, body: Data) -> String? {
        credentials.v3Keys.first.map { key in
            Hex.string(Self.hmac(Self.signedContent(id: id, timestamp: timestamp, body: body), key: key))
        }
    }

    static func signedContent(id: String, timestamp: String, body: Data) -> Data {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        return content
    }

    private static func hmac(_ content: Data, key: Data) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key)))
    }
}
