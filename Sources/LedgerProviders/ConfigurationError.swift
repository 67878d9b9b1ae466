/// A configuration value that stops start-up: one line naming the key.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var detail: String

    public init(key: String, detail: String) {
        self.key = key
        self.detail = detail
    }

    public var description: String { "\(key): \(detail)" }
}
