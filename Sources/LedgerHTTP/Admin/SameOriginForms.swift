import Foundation
import HTTPTypes
import Hummingbird

/// The admin forms (sign in, sign out, re-drive) take posts from the admin
/// pages only. The session cookie is `SameSite=Lax`, which a page on a
/// sibling subdomain still gets sent; a browser says where a post comes from
/// (`Sec-Fetch-Site`, else `Origin`), and a post from another page is refused.
/// A client that says neither (curl, a script holding a key) is not a
/// browser carried by someone else's page, and is let through.
enum SameOriginForms {
    static let fetchSite = HTTPField.Name("sec-fetch-site")!
    static let forwardedHost = HTTPField.Name("x-forwarded-host")!

    /// Why `request` is refused, or nil when it comes from these pages.
    static func refusal(_ request: Request) -> String? {
        if let site = request.headers[fetchSite] {
            // "none": typed or bookmarked by the user; "same-origin": these pages.
            return site == "same-origin" || site == "none" ? nil : "a form posted from another site (\(site)) is refused"
        }
        guard let origin = request.headers[.origin] else { return nil }
        // A proxy chain lists hosts in X-Forwarded-Host: the first is the one the browser asked for.
        let forwarded = request.headers[forwardedHost]?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        let served = [request.head.authority, forwarded].compactMap { $0.map(withoutDefaultPort) }
        guard let from = authority(ofOrigin: origin), served.contains(from) else {
            return "a form posted from another origin (\(origin.prefix(100))) is refused"
        }
        return nil
    }

    /// `host[:port]` of an origin such as `https://ledger.example.com:8443`; nil for `null` or nonsense.
    private static func authority(ofOrigin origin: String) -> String? {
        guard let components = URLComponents(string: origin), let host = components.host, !host.isEmpty else { return nil }
        let port = components.port.map { [80, 443].contains($0) ? "" : ":\($0)" } ?? ""
        return (host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host).lowercased() + port
    }

    /// A Host header as an origin's authority reads: lower case, no default port.
    private static func withoutDefaultPort(_ authority: String) -> String {
        let lowered = authority.lowercased()
        for suffix in [":80", ":443"] where lowered.hasSuffix(suffix) { return String(lowered.dropLast(suffix.count)) }
        return lowered
    }
}
