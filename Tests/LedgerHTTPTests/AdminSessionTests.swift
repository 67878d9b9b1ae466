import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerHTTP
import LedgerSQLite
import LedgerTesting
import Synchronization
import Testing

/// Admin sessions as signed cookies: any node with the same keys honours
/// them, nothing else does, and they end (expiry, sign-out, the key removed).
@Suite struct AdminSessionTests {
    static let admin = "admin-key-0123456789abcdef"
    static let keys = JobRoutesTests.keys

    final class Clock: Sendable {
        private let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        var now: Date { value.withLock { $0 } }
        func advance(seconds: TimeInterval) { value.withLock { $0 += seconds } }
    }

    /// Runs `test` with one node per key list, all on one ledger file and one clock.
    func withNodes(_ keyLists: [String], clock: Clock = Clock(),
                   _ test: @escaping @Sendable ([any TestClientProtocol]) async throws -> Void) async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        @Sendable func nest(_ remaining: ArraySlice<String>, _ clients: [any TestClientProtocol]) async throws {
            guard let keys = remaining.first else { return try await test(clients) }
            let services = LedgerServices(store: store, keys: try APIKeys(parsing: keys), now: { clock.now })
            try await Application(router: buildRouter(services)).test(.router) { client in
                try await nest(remaining.dropFirst(), clients + [client])
            }
        }
        try await nest(keyLists[...], [])
    }

    /// Signs in with `key`; the session cookie's value.
    static func signIn(_ client: any TestClientProtocol, key: String = admin) async throws -> String {
        try await client.execute(uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                 body: ByteBuffer(string: "key=\(key)")) { response in
            let cookie = try #require(response.headers[.setCookie])
            #expect(response.status == .seeOther && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(!cookie.contains(key), "the key itself is never in the cookie")
            return String(try #require(cookie.split(separator: ";").first).dropFirst("ledger_session=".count))
        }
    }

    static func page(_ client: any TestClientProtocol, _ path: String = "/admin/refunds", cookie: String) async throws -> HTTPResponse.Status {
        try await client.execute(uri: path, method: .get, headers: [.cookie: "ledger_session=\(cookie)"]) { $0.status }
    }

    @Test func aSessionOpenedOnOneNodeIsHonouredByAnotherWithTheSameKeys() async throws {
        try await withNodes([Self.keys, Self.keys]) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            #expect(try await Self.page(nodes[1], cookie: cookie) == .ok)
            #expect(try await Self.page(nodes[0], cookie: cookie) == .ok)
        }
    }

    @Test func anAlteredOrForeignSessionIsRefused() async throws {
        let otherKeys = "app:app-key-0123456789abcdef,admin:another-admin-key-0123456789,auditor:auditor-key-0123456789abcd"
        try await withNodes([Self.keys, otherKeys]) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            var parts = cookie.split(separator: ".").map(String.init)
            #expect(parts.count == 5)
            parts[2] = String(Int64(parts[2])! + 3600)
            let later = parts.joined(separator: ".")
            let flipped = String(cookie.dropLast()) + (cookie.hasSuffix("0") ? "1" : "0")
            for forged in [later, flipped, "v1.0000000000000000.9999999999.00.00", "", "admin", cookie + "."] {
                #expect(try await Self.page(nodes[0], cookie: forged) == .seeOther, "\(forged)")
            }
            #expect(try await Self.page(nodes[1], cookie: cookie) == .seeOther, "another ledger's keys")
            let foreign = try await Self.signIn(nodes[1], key: "another-admin-key-0123456789")
            #expect(try await Self.page(nodes[0], cookie: foreign) == .seeOther)
        }
    }

    @Test func aSessionEndsAfterItsLifetimeOnEveryNode() async throws {
        let clock = Clock()
        try await withNodes([Self.keys, Self.keys], clock: clock) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            clock.advance(seconds: 8 * 3600 - 1)
            #expect(try await Self.page(nodes[1], cookie: cookie) == .ok)
            clock.advance(seconds: 1)
            #expect(try await Self.page(nodes[0], cookie: cookie) == .seeOther)
            #expect(try await Self.page(nodes[1], cookie: cookie) == .seeOther)
        }
    }

    @Test func signingOutEndsTheSession() async throws {
        try await withNodes([Self.keys]) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            try await nodes[0].execute(uri: "/admin/logout", method: .post, headers: [.cookie: "ledger_session=\(cookie)"]) { response in
                #expect(response.status == .seeOther && response.headers[.location] == "/admin/login")
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true, "the browser drops it")
            }
            #expect(try await Self.page(nodes[0], cookie: cookie) == .seeOther, "and this node refuses it")
            #expect(try await Self.page(nodes[0], cookie: try await Self.signIn(nodes[0])) == .ok, "a new sign-in works")
        }
    }

    /// The key's role now decides, and a key taken out of LEDGER_KEYS ends its sessions.
    @Test func aSessionFollowsItsKeyInTheConfiguration() async throws {
        let removed = "app:app-key-0123456789abcdef,auditor:auditor-key-0123456789abcd"
        let demoted = "app:app-key-0123456789abcdef,auditor:admin-key-0123456789abcdef"
        try await withNodes([Self.keys, removed, demoted]) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            #expect(try await Self.page(nodes[1], cookie: cookie) == .seeOther)
            #expect(try await Self.page(nodes[2], cookie: cookie) == .ok, "still a key, now an auditor's: it reads")
            let redrive = try await nodes[2].execute(uri: "/admin/redrive", method: .post,
                                                     headers: [.cookie: "ledger_session=\(cookie)", .contentType: "application/x-www-form-urlencoded"],
                                                     body: ByteBuffer(string: "action=notify&scope=dead-letters&expected=0&operator=a&reason=test")) { $0.status }
            #expect(redrive == .forbidden, "but no longer re-drives")
        }
    }

    /// Hostile input: a body no browser's form makes (a quote, a broken
    /// escape, bytes that are not UTF-8) is answered 400 or 401, and the
    /// server goes on serving; it once stopped the process.
    @Test func aFormThatIsNotURLEncodedIsAnsweredAndTheServerGoesOn() async throws {
        try await withNodes([Self.keys]) { nodes in
            for body in ["\"", "key=%zz", "key=%ff%fe", "{\"key\":1}", "key=x\r\n", "a b&c", "é=%", "%"] {
                let status = try await nodes[0].execute(uri: "/admin/login", method: .post, headers: [.contentType: "text/plain"],
                                                        body: ByteBuffer(string: body)) { $0.status }
                #expect(status == .badRequest || status == .unauthorized, "\(body): \(status)")
            }
            #expect(try await Self.page(nodes[0], cookie: try await Self.signIn(nodes[0])) == .ok, "still serving")
        }
    }

    /// A page on another site, even a sibling subdomain (which a SameSite=Lax
    /// cookie does not stop), cannot make an admin's browser sign in, sign out
    /// or re-drive: the browser says where the post comes from.
    @Test func aFormPostedFromAnotherSiteIsRefused() async throws {
        try await withNodes([Self.keys]) { nodes in
            let cookie = try await Self.signIn(nodes[0])
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            func post(_ path: String, _ from: HTTPFields, body: String) async throws -> HTTPResponse.Status {
                var headers = form
                headers.append(contentsOf: from)
                headers[.cookie] = "ledger_session=\(cookie)"
                return try await nodes[0].execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
            }
            let fetchSite = HTTPField.Name("sec-fetch-site")!
            let foreign: [HTTPFields] = [[fetchSite: "cross-site"], [fetchSite: "same-site"], [.origin: "https://evil.example"],
                                         [.origin: "null"], [.origin: "https://ledger.example.com.evil.example"]]
            for from in foreign {
                #expect(try await post("/admin/login", from, body: "key=\(Self.admin)") == .forbidden, "\(from)")
                #expect(try await post("/admin/redrive", from, body: "action=notify&scope=dead-letters&expected=0&operator=a&reason=test")
                        == .forbidden, "\(from)")
                #expect(try await post("/admin/logout", from, body: "") == .forbidden, "\(from)")
            }
            #expect(try await Self.page(nodes[0], cookie: cookie) == .ok, "the session was not ended by another site")
            let forwarded = HTTPField.Name("x-forwarded-host")!
            let own: [HTTPFields] = [[fetchSite: "same-origin"], [fetchSite: "none"], [:],
                                     [.origin: "https://ledger.example.com", forwarded: "ledger.example.com"],
                                     [.origin: "https://ledger.example.com", forwarded: "ledger.example.com:443, internal:8080"]]
            for from in own {
                #expect(try await post("/admin/login", from, body: "key=\(Self.admin)") == .seeOther, "\(from)")
            }
        }
    }
}
