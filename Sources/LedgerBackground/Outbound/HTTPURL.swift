import Foundation

/// The one test of an address the ledger calls (a provider's status API, a
/// HEAD template, the app's endpoint): `http` or `https`, with a host. The
/// configuration applies it at start-up, so a typo stops the command instead
/// of writing a `poll.result` with a transport error into the log at every poll.
public enum HTTPURL {
    /// The URL's parts, or nil when it is not an http(s) URL with a host.
    public static func components(_ text: String) -> URLComponents? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else { return nil }
        return components
    }

    /// Why `text` cannot be called, or nil.
    public static func problem(_ text: String) -> String? {
        components(text) == nil ? "\(text) is not an http(s) URL with a host" : nil
    }
}
