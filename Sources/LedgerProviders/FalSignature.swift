import Crypto
import Foundation

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

    /// The bytes fal signs.
    public static func message(requestID: String, userID: String, timestamp: String, body: Data) -> Data {
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        return Data("\(requestID)\n\(userID)\n\(timestamp)\n\(digest)".utf8)
    }

    /// Checks everything but the signature (headers, user, time); the
    /// message to verify and the signature's bytes.
    public static func signed(_ headers: Headers, body: Data, userIDs: [String],
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
        return (message(requestID: requestID, userID: userID, timestamp: timestamp, body: body), Data(signature))
    }

    /// Whether one of `keys` (raw 32-byte Ed25519 public keys) made `signature` of `message`.
    public static func verifies(_ signature: Data, of message: Data, withOneOf keys: [Data]) -> Bool {
        keys.contains { key in
            (try? Curve25519.Signing.PublicKey(rawRepresentation: key))?.isValidSignature(signature, for: message) == true
        }
    }
}

enum Hex {
    static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: nil
        }
    }
}
