import Crypto
import Foundation

/// The digest a `retention.applied` event carries: SHA-256 over
/// `"<position>:<hex SHA-256 of the redacted data>\n"` of each covered event,
/// in position order. The run computes it before redacting; `verify`
/// recomputes it from the log, from stored redacted data or, for an event a
/// killed run had not reached yet, from its original data redacted again.
public struct RetentionDigest {
    private var hasher = SHA256()
    public private(set) var count: Int64 = 0

    public init() {}

    public mutating func add(position: Int64, redactedData: String) {
        hasher.update(data: Data("\(position):\(ChainHasher.digest(redactedData))\n".utf8))
        count += 1
    }

    public func finalized() -> String {
        hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
