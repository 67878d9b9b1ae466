import LedgerCore

/// The differences `ledger rebuild --check` found between live and rebuilt tables.
public struct RebuildCheck: Sendable, Hashable, Codable {
    public var eventsRead: Int64
    /// Per table: rows only in the live table and rows only in the rebuilt one.
    public var differences: [String: Difference]

    public struct Difference: Sendable, Hashable, Codable {
        public var onlyLive: Int
        public var onlyRebuilt: Int
        /// The first differing row's key, to start looking.
        public var example: String?

        public init(onlyLive: Int, onlyRebuilt: Int, example: String?) {
            self.onlyLive = onlyLive
            self.onlyRebuilt = onlyRebuilt
            self.example = example
        }
    }

    public var matches: Bool { differences.isEmpty }

    public init(eventsRead: Int64, differences: [String: Difference]) {
        self.eventsRead = eventsRead
        self.differences = differences
    }
}
