import Foundation

/// The fields of an `application/x-www-form-urlencoded` body: `name=value`
/// pairs joined by `&`, `+` for a space, `%XX` for any other byte.
///
/// Read here rather than through `URLComponents`, which stops the process on
/// text that is not a valid percent-encoded query (a `"`, a `%zz`): a body
/// any web page can make a browser send must never do that.
enum FormEncoding {
    /// The fields (the last of a repeated name wins); nil when an escape is
    /// broken or the bytes it stands for are not UTF-8.
    static func fields(_ body: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decoded(parts[0]), let value = parts.count > 1 ? decoded(parts[1]) : "" else { return nil }
            fields[name] = value
        }
        return fields
    }

    private static func decoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
