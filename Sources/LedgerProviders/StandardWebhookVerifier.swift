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
        let signed = SignedContent(id: id, timestamp: timestamp, body: body)
        var expected: [Data]?
        var matched = false
        // Bytes, not Characters: splitting the header by grapheme clusters was
        // a third of the check's time. A signature is ASCII, so this differs
        // only on malformed headers: a space that a neighbour joins into one
        // grapheme (a combining mark after it, a prepended mark before it) now
        // separates entries (a good entry beside it passes), and an entry with
        // a leading comma (",v1,…") is passed over instead of read as "v1,…".
        for entry in signatures.utf8.split(separator: UInt8(ascii: " ")) {
            guard let comma = entry.firstIndex(of: UInt8(ascii: ",")) else { continue }
            let version = entry[..<comma], value = Substring(entry[entry.index(after: comma)...])
            if version.elementsEqual("v3".utf8) {
                guard let signature = Hex.bytes(value) else { continue }
                for key in credentials.v3Keys where ConstantTime.equal(signature, signed.hmac(key: key)) { matched = true }
                continue
            }
            guard let signature = Data(base64Encoded: String(value)) else { continue }
            if version.elementsEqual("v1".utf8) {
                if expected == nil { expected = credentials.hmacKeys.map(signed.hmac) }
                for candidate in expected ?? [] where ConstantTime.equal(signature, candidate) { matched = true }
            } else if version.elementsEqual("v1a".utf8) {
                if verifiesEd25519(signature, signed.whole) { matched = true }
            }
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
        credentials.hmacKeys.first.map(SignedContent(id: id, timestamp: timestamp, body: body).hmac)
    }

    /// The `webhook-signature` value for `id.timestamp.body`: `v1,<base64>`
    /// under each `whsec_` secret, space-separated, so that while a secret
    /// rotates (`old new` configured) an app holding either one verifies;
    /// nil without one.
    public func signatureHeader(id: String, timestamp: String, body: Data) -> String? {
        let content = SignedContent(id: id, timestamp: timestamp, body: body)
        let signatures = credentials.hmacKeys.map { "v1," + content.hmac(key: $0).base64EncodedString() }
        return signatures.isEmpty ? nil : signatures.joined(separator: " ")
    }

    /// The `v1a` signature for `id.timestamp.body` with an Ed25519 private
    /// key given as `whsk_<base64>` of its 32-byte seed (or seed and public key).
    public static func signEd25519(id: String, timestamp: String, body: Data, secretKey: String) throws(WebhookRejection) -> Data {
        guard secretKey.hasPrefix("whsk_"), let bytes = Data(base64Encoded: String(secretKey.dropFirst(5))),
              bytes.count == 32 || bytes.count == 64,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes.prefix(32)),
              let signature = try? key.signature(for: SignedContent(id: id, timestamp: timestamp, body: body).whole)
        else { throw .misconfigured("a v1a signing key is whsk_ followed by the base64 of a 32-byte Ed25519 seed") }
        return signature
    }

    /// The `v3` signature (lowercase hex) for `id.timestamp.body` with the
    /// first WaveSpeed-style signing secret; nil without one.
    public func signV3(id: String, timestamp: String, body: Data) -> String? {
        credentials.v3Keys.first.map { Hex.string(SignedContent(id: id, timestamp: timestamp, body: body).hmac(key: $0)) }
    }
}

/// What a Standard Webhooks signature covers: `id.timestamp.body`. The MAC
/// reads the prefix and the body in turn instead of a copy of both.
struct SignedContent {
    let prefix: Data
    let body: Data

    init(id: String, timestamp: String, body: Data) {
        prefix = Data("\(id).\(timestamp).".utf8)
        self.body = body
    }

    /// In one piece, for Ed25519 (its API signs one message).
    var whole: Data { prefix + body }

    func hmac(key: Data) -> Data {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: key))
        mac.update(data: prefix)
        mac.update(data: body)
        return Data(mac.finalize())
    }
}
