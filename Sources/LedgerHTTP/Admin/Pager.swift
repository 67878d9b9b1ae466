import Foundation

/// The "First page" and "Next page" links under every paged admin list: the
/// list's own filters kept, `after` the key of the last row shown.
enum Pager {
    static func html(path: String, filters: [(String, String?)], after: String?, next: String?) -> String {
        let first = after == nil ? "" : "<a href=\"\(path)?\(query(filters))\">First page</a> "
        let later = next.map { "<a href=\"\(path)?\(query(filters + [("after", $0)]))\" rel=\"next\">Next page</a>" } ?? ""
        return "<p class=\"pager\">\(first)\(later)</p>"
    }

    /// `name=value` pairs with a value, percent-encoded, HTML-escaped.
    static func query(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { name, value in
            value.map { "\(name)=\(HTML.escape($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))" }
        }.joined(separator: "&amp;")
    }

    /// "First page" or "A later page", for a caption.
    static func caption(after: String?) -> String { after == nil ? "First page" : "A later page" }
}
