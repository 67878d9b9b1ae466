import Crypto
import Foundation
import LedgerCore

/// fal.ai's webhook signatures, as fal documents them: Ed25519 over
/// `request_id \n user_id \n timestamp \n hex(SHA-256(body))`, the values
/// from `X-Fal-Webhook-Request-Id`, `-User-Id` and `-Timestamp` (Unix
/// seconds), the signature hex in `X-Fal-Webhook-Signature`, the keys fal's
/// JWKS publishes (a webhook names none: any current key may have signed).
/// The user id must be one configured for the provider: fal signs every
/// account's webhooks, and another account could point its own at this URL.
public enum FalSignature {
    public static let toleranceSeconds: Int64 = 300

    public struct Headers: Sendable {
        public var requestID: String?
        public var userID: String?
        public var timestamp: String?
        public var signature: String?

        public init(requestID: String?, userID: String?, timestamp: String?, signature: String?) {
            self.requestID = requestID
            self.userID = userID
            self.timestamp = timestamp
            self.signature = signature
        }
    }

    /// The bytes fal signs; `bodyDigest` is the body's SHA-256 in lowercase hex.
    public static func message(requestID: String, userID: String, timestamp: String, bodyDigest: String) -> Data {
        Data("\(requestID)\n\(userID)\n\(timestamp)\n\(bodyDigest)".utf8)
    }

    /// The bytes fal signs for `body` (as a sender computes them).
    public static func message(requestID: String, userID: String, timestamp: String, body: Data) -> Data {
        message(requestID: requestID, userID: userID, timestamp: timestamp, bodyDigest: Hex.string(SHA256.hash(data: body)))
    }

    /// Checks everything but the signature (headers, user, time); the
    /// message to verify and the signature's bytes.
    public static func signed(_ headers: Headers, bodyDigest: String, userIDs: [String],
                              now: Int64) throws(WebhookRejection) -> (message: Data, signature: Data) {
        guard let requestID = headers.requestID, !requestID.isEmpty, let userID = headers.userID, let timestamp = headers.timestamp,
              let signatureHex = headers.signature else {
            throw .unauthenticated("missing X-Fal-Webhook-Request-Id, -User-Id, -Timestamp or -Signature")
        }
        guard userIDs.contains(userID) else {
            throw .unauthenticated("X-Fal-Webhook-User-Id is not a fal account configured in the provider's secret")
        }
        guard let seconds = Int64(timestamp) else { throw .unauthenticated("X-Fal-Webhook-Timestamp is not a number") }
        let (difference, overflow) = now.subtractingReportingOverflow(seconds)
        guard !overflow, difference.magnitude <= UInt64(toleranceSeconds) else {
            throw .unauthenticated("X-Fal-Webhook-Timestamp is more than 5 minutes from now (a replay, or a clock off)")
        }
        guard let signature = Hex.bytes(signatureHex), signature.count == 64 else {
            throw .unauthenticated("X-Fal-Webhook-Signature is not the hex of a 64-byte Ed25519 signature")
        }
        return (message(requestID: requestID, userID: userID, timestamp: timestamp, bodyDigest: bodyDigest), Data(signature))
    }

    /// Whether one of `keys` (raw 32-byte Ed25519 public keys) made `signature` of `message`.
    public static func verifies(_ signature: Data, of message: Data, withOneOf keys: [Data]) -> Bool {
        keys.contains { key in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key))?.isValidSignature(signature, for: message) == true
        }
    }
}
