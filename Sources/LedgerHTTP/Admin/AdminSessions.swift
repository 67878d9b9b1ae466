import Foundation
import Synchronization

/// Sessions of the admin pages' login form: a random id in an HttpOnly,
/// SameSite=Lax cookie (never sent with another site's POST, so a forged
/// re-drive form elsewhere carries no session), mapped here to the role of
/// the key that logged in.
/// In memory: a restart logs everyone out, which is fine for an admin tool.
final class AdminSessions: Sendable {
    private let sessions = Mutex<[String: (role: Role, expires: Date)]>([:])
    static let lifetime: TimeInterval = 8 * 3600

    func create(_ role: Role, now: Date) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value.expires > now }
            sessions[id] = (role, now.addingTimeInterval(Self.lifetime))
        }
        return id
    }

    func role(of id: String, now: Date) -> Role? {
        sessions.withLock { $0[id].flatMap { $0.expires > now ? $0.role : nil } }
    }
}
