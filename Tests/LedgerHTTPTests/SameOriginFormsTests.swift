import HTTPTypes
import Hummingbird
@testable import LedgerHTTP
import NIOCore
import Testing

/// The `Origin` fallback, for a browser that sends no `Sec-Fetch-Site`: the
/// origin is compared with the authority the request was sent to (router
/// tests carry none, so the check is called with a request built here).
struct SameOriginFormsTests {
    static func post(to authority: String, _ fields: HTTPFields) -> Request {
        let head = HTTPRequest(method: .post, scheme: "https", authority: authority, path: "/admin/login", headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer()))
    }

    @Test(arguments: [
        ("ledger.example.com", "https://ledger.example.com", true),
        ("ledger.example.com:443", "https://ledger.example.com", true),
        ("LEDGER.example.com", "https://ledger.example.com", true),
        ("127.0.0.1:8080", "http://127.0.0.1:8080", true),
        ("[::1]:8080", "http://[::1]:8080", true),
        ("ledger.example.com:8443", "https://ledger.example.com:8443", true),
        ("ledger.example.com", "https://ledger.example.com:8443", false),
        ("127.0.0.1:8080", "http://127.0.0.1:8081", false),
        ("ledger.example.com", "https://admin.example.com", false),
        ("ledger.example.com", "https://ledger.example.com.evil.example", false),
        ("ledger.example.com", "null", false),
    ])
    func anOriginIsTheHostTheFormWasPostedTo(_ host: String, _ origin: String, _ accepted: Bool) {
        let refusal = SameOriginForms.refusal(Self.post(to: host, [.origin: origin]))
        #expect((refusal == nil) == accepted, "\(origin) posting to \(host): \(refusal ?? "accepted")")
    }
}
