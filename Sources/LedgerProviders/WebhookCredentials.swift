import Crypto
import Foundation

/// A provider's webhook credentials, parsed from its configured secret: one
/// or more values separated by spaces or commas, so a secret can be rotated
/// by configuring the old and the new one side by side.
///
/// - `whsec_<base64>`: Standard Webhooks `v1` (HMAC-SHA256) shared secret, at least 16 bytes;
/// - `whpk_<base64>`: Standard Webhooks `v1a` (Ed25519) public key, 32 bytes;
/// - anything else, for query-token providers: the token itself.
///
/// A query-token provider may also sign (``addV3SigningSecrets(_:)``,
/// `LEDGER_PROVIDER_<NAME>_SIGNING_SECRET`): WaveSpeed's `v3` scheme.
public struct WebhookCredentials: Sendable {
    public private(set) var hmacKeys: [Data] = []
    public private(set) var ed25519PublicKeys: [Data] = []
    public private(set) var tokens: [Data] = []
    /// WaveSpeed `v3` keys: the UTF-8 bytes of the secret after `whsec_`,
    /// used as they are (WaveSpeed's documentation: "do not base64 decode it").
    public private(set) var v3Keys: [Data] = []
    /// fal user ids whose webhooks are accepted (``FalSignature``).
    public private(set) var falUserIDs: [String] = []

    /// No credentials yet: every check fails until some are added.
    init() {}

    public init(parsing text: String, for authentication: ProviderProfile.Authentication) throws(WebhookRejection) {
        let values = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        guard !values.isEmpty else { throw .misconfigured("the secret is empty") }
        for value in values {
            switch authentication {
            case .standardWebhooks: try addSigningKey(value)
            case .queryToken:
                guard value.utf8.count >= 16 else { throw .misconfigured("a query token must be at least 16 characters") }
                tokens.append(Data(value.utf8))
            case .falSignature:
                guard value.utf8.count <= 200, value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                    throw .misconfigured("a fal user id is printable text without spaces (the X-Fal-Webhook-User-Id of your account)")
                }
                falUserIDs.append(value)
            }
        }
    }

    private mutating func addSigningKey(_ value: String) throws(WebhookRejection) {
        if value.hasPrefix("whpk_") {
            guard let key = Data(base64Encoded: String(value.dropFirst(5))), key.count == 32,
                  (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
                throw .misconfigured("a whpk_ key must be whpk_ followed by the base64 of a 32-byte Ed25519 public key")
            }
            ed25519PublicKeys.append(key)
        } else {
            // The prefix is required: a bare word that happens to be base64
            // ("nope") would otherwise pass as a 3-byte key.
            guard value.hasPrefix("whsec_"), let key = Data(base64Encoded: String(value.dropFirst(6))), key.count >= 16 else {
                throw .misconfigured("the provider secret is not whsec_ (or whpk_) followed by the base64 of at least 16 bytes")
            }
            hmacKeys.append(key)
        }
    }

    /// Adds WaveSpeed-style `v3` signing secrets (`whsec_...`, several for
    /// rotation): a webhook must then carry a valid `webhook-signature: v3,<hex>`.
    public mutating func addV3SigningSecrets(_ text: String) throws(WebhookRejection) {
        let values = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        guard !values.isEmpty else { throw .misconfigured("the signing secret is empty") }
        for value in values {
            let key = value.hasPrefix("whsec_") ? String(value.dropFirst(6)) : value
            guard key.utf8.count >= 16 else { throw .misconfigured("a signing secret must be at least 16 characters after whsec_") }
            v3Keys.append(Data(key.utf8))
        }
    }

    /// A query-token provider with only a signing secret: signatures, no token.
    public static func signingOnly(_ text: String) throws(WebhookRejection) -> WebhookCredentials {
        var credentials = WebhookCredentials()
        try credentials.addV3SigningSecrets(text)
        return credentials
    }

    /// True when `presented` equals one of the tokens (constant time per token).
    public func acceptsToken(_ presented: String) -> Bool {
        let bytes = Data(presented.utf8)
        var matched = false
        for token in tokens where ConstantTime.equal(bytes, token) { matched = true }
        return matched
    }
}

/// Why a webhook was not accepted; the route maps these to 401/400/500.
public enum WebhookRejection: Error, Sendable, Equatable {
    case unauthenticated(String)
    case unparseable(String)
    case misconfigured(String)
    /// Nothing to check it with yet, through no fault of the sender (a key set
    /// not fetched): answered 503 so that the provider retries.
    case unavailable(String)
}
