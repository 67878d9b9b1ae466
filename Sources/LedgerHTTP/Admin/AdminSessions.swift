import Crypto
import Foundation
import LedgerCore
import LedgerProviders
import Synchronization

/// Sessions of the admin pages' login form, as a signed, expiring cookie
/// every node of one ledger accepts: `v1.<key id>.<expires, Unix s>.<nonce>.<signature>`,
/// an HMAC-SHA256 under a secret derived from the key that signed in
/// (``APIKeys/SessionSigner``), so nodes sharing `LEDGER_KEYS` need nothing
/// else in common and the key itself never leaves the server. The role is
/// the key's role now, not when the session began; a key removed from the
/// configuration ends its sessions. Sent HttpOnly and SameSite=Lax (never
/// with another site's POST, so a forged re-drive form elsewhere carries no
/// session).
///
/// Signing out clears the cookie and refuses its nonce on the node that
/// served it until it expires; a copy of the cookie taken before would
/// still open pages on another node until then (at most ``lifetime``).
final class AdminSessions: Sendable {
    static let lifetime: TimeInterval = 8 * 3600
    private let keys: APIKeys
    private let signedOut = Mutex<[String: Date]>([:])

    init(keys: APIKeys) {
        self.keys = keys
    }

    /// A new session for `key`, or `nil` when it is not a configured key.
    func create(for key: String, now: Date) -> (cookie: String, role: Role)? {
        guard let signer = keys.sessionSigner(of: key) else { return nil }
        var nonce = [UInt8](repeating: 0, count: 12)
        for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255) }
        let expires = Int64(now.addingTimeInterval(Self.lifetime).timeIntervalSince1970)
        let claims = "v1.\(signer.keyID).\(expires).\(Hex.string(nonce))"
        return ("\(claims).\(Self.signature(claims, signer))", signer.role)
    }

    /// The role a cookie opens now: `nil` when it is forged, expired, signed
    /// out here, or its key is no longer configured.
    func role(of cookie: String, now: Date) -> Role? {
        guard let session = parse(cookie), session.expires > now,
              session.expires <= now.addingTimeInterval(Self.lifetime),
              signedOut.withLock({ $0[session.nonce] == nil }) else { return nil }
        return session.signer.role
    }

    /// Refuses this cookie on this node from now on (the browser is told to drop it).
    func end(_ cookie: String, now: Date) {
        guard let session = parse(cookie) else { return }
        signedOut.withLock { ended in
            ended = ended.filter { $0.value > now }
            ended[session.nonce] = session.expires
        }
    }

    private func parse(_ cookie: String) -> (signer: APIKeys.SessionSigner, expires: Date, nonce: String)? {
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, parts[0] == "v1", let seconds = Int64(parts[2]),
              let signer = keys.sessionSigner(keyID: parts[1]) else { return nil }
        let claims = parts[0..<4].joined(separator: ".")
        guard ConstantTime.equal(Array(Self.signature(claims, signer).utf8), Array(parts[4].utf8)) else { return nil }
        return (signer, Date(timeIntervalSince1970: TimeInterval(seconds)), parts[3])
    }

    private static func signature(_ claims: String, _ signer: APIKeys.SessionSigner) -> String {
        Hex.string(HMAC<SHA256>.authenticationCode(for: Data(claims.utf8), using: SymmetricKey(data: signer.secret)))
    }
}
