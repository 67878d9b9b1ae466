import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerSQLite
import LedgerTesting
import NIOCore
import Testing

/// What a browser is told about the admin pages (an outside review drove
/// them in Chromium): never framed, never cached, a Secure cookie over
/// HTTPS, back to the page and filters asked for after signing in, and text
/// from providers that cannot reorder what an operator reads.
@Suite struct AdminPageHeadersTests {
    let nodes = AdminSessionTests()

    /// A page framed by another page on the same site could have an admin
    /// click "Send again" unknowingly (the form's post is same-origin then);
    /// Back after signing out showed a balance page from the browser's cache.
    @Test func aPageIsNeverFramedCachedOrSniffed() async throws {
        try await nodes.withNodes([AdminSessionTests.keys]) { nodes in
            let cookie = try await AdminSessionTests.signIn(nodes[0])
            for path in ["/admin", "/admin/accounts", "/admin/jobs?status=failed", "/admin/login"] {
                try await nodes[0].execute(uri: path, method: .get, headers: [.cookie: "ledger_session=\(cookie)"]) { response in
                    #expect(response.status == .ok, "\(path)")
                    let policy = response.headers[HTTPField.Name("content-security-policy")!] ?? ""
                    #expect(policy.contains("frame-ancestors 'none'") && response.headers[HTTPField.Name("x-frame-options")!] == "DENY",
                            "\(path): \(policy)")
                    #expect(response.headers[.cacheControl] == "no-store", "\(path)")
                    #expect(response.headers[HTTPField.Name("x-content-type-options")!] == "nosniff", "\(path)")
                    #expect(response.headers[HTTPField.Name("referrer-policy")!] == "same-origin", "\(path)")
                }
            }
        }
    }

    /// Behind a TLS-terminating proxy (or over HTTPS) the session cookie is
    /// Secure, signing out too; over plain HTTP it cannot be (the browser
    /// would not keep it), and is not.
    @Test func theSessionCookieIsSecureWhenTheBrowserCameOverHTTPS() async throws {
        try await nodes.withNodes([AdminSessionTests.keys]) { nodes in
            func cookie(_ path: String, _ body: String, _ extra: HTTPFields) async throws -> String {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                headers.append(contentsOf: extra)
                return try await nodes[0].execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                    $0.headers[.setCookie] ?? ""
                }
            }
            let proto = HTTPField.Name("x-forwarded-proto")!
            let login = "key=\(AdminSessionTests.admin)"
            #expect(try await cookie("/admin/login", login, [proto: "https"]).hasSuffix("; Secure; Max-Age=28800"))
            #expect(try await cookie("/admin/login", login, [proto: "HTTPS, http"]).contains("; Secure"))
            #expect(try await cookie("/admin/logout", "", [proto: "https"]).contains("; Secure"))
            let plain = try await cookie("/admin/login", login, [:])
            #expect(!plain.contains("Secure") && plain.contains("HttpOnly"), "\(plain)")
            #expect(!(try await cookie("/admin/login", login, [proto: "http"])).contains("Secure"))
        }
    }

    /// A link to a filtered list, opened signed out, comes back to the same
    /// filtered list after signing in (the filters were dropped before).
    @Test func signingInReturnsToThePageAndItsFilters() async throws {
        try await nodes.withNodes([AdminSessionTests.keys]) { nodes in
            let location = try await nodes[0].execute(uri: "/admin/deliveries?job=j%201&outcome=dead-lettered", method: .get) {
                $0.headers[.location] ?? ""
            }
            #expect(location == "/admin/login?next=%2Fadmin%2Fdeliveries%3Fjob%3Dj%25201%26outcome%3Ddead%2Dlettered", "\(location)")
            let form = try await nodes[0].execute(uri: location, method: .get) { String(buffer: $0.body) }
            let next = "/admin/deliveries?job=j%201&amp;outcome=dead-lettered"
            #expect(form.contains("name=\"next\" value=\"\(next)\""), "\(form)")
            let back = try await nodes[0].execute(uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "key=\(AdminSessionTests.admin)&next=%2Fadmin%2Fdeliveries%3Fjob%3Dj%25201%26outcome%3Ddead-lettered")) {
                $0.headers[.location] ?? ""
            }
            #expect(back == "/admin/deliveries?job=j%201&outcome=dead-lettered")
        }
    }

    /// A form whose bytes are not UTF-8 is refused; it was read with U+FFFD
    /// in place of the bytes, into an operator's recorded name.
    @Test func aFormThatIsNotUTF8IsRefused() async throws {
        try await nodes.withNodes([AdminSessionTests.keys]) { nodes in
            let body = ByteBuffer(bytes: Array("key=\(AdminSessionTests.admin)&next=/admin".utf8) + [0xFF, 0xFE])
            let status = try await nodes[0].execute(uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                    body: body) { $0.status }
            #expect(status == .badRequest)
        }
    }

    /// A provider's error text holding a right-to-left override would read
    /// backwards on the job's page (and run on into the text after it): the
    /// control is shown as what it is.
    @Test func aBidirectionalOverrideFromAProviderIsShownNotObeyed() async throws {
        let store = try SQLiteEventStore(path: Fixtures.temporaryDatabasePath())
        _ = try await store.execute(Fixtures.register("j1", cost: 50, externalID: "x1"))
        var failed = Fixtures.webhook("x1", .failed, delivery: "d1")
        failed.error = "provider timeout \u{202E}05 :dednufer ton"
        _ = try await store.execute(Fixtures.deliver(failed))
        let services = LedgerServices(store: store, keys: try APIKeys(parsing: AdminSessionTests.keys))
        try await Application(router: buildRouter(services)).test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(AdminSessionTests.admin)"]
            let page = try await client.execute(uri: "/admin/jobs/j1", method: .get, headers: headers) { String(buffer: $0.body) }
            #expect(page.contains("provider timeout [U+202E]05 :dednufer ton"), "\(page)")
            #expect(!page.unicodeScalars.contains("\u{202E}"))
        }
    }

    /// The sign-in page shows no menu and no "Sign out" to someone signed out.
    @Test func theSignInPageHasNoMenu() async throws {
        try await nodes.withNodes([AdminSessionTests.keys]) { nodes in
            let page = try await nodes[0].execute(uri: "/admin/login", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("name=\"key\"") && !page.contains("Sign out") && !page.contains("<nav"), "\(page)")
            let cookie = try await AdminSessionTests.signIn(nodes[0])
            let signedIn = try await nodes[0].execute(uri: "/admin", method: .get, headers: [.cookie: "ledger_session=\(cookie)"]) {
                String(buffer: $0.body)
            }
            #expect(signedIn.contains("Sign out"))
        }
    }
}
