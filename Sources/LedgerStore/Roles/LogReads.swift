import LedgerCore

/// Reading the log as stored: a stream's events, a range of positions, the head.
public protocol LogReads: Sendable {
    /// The events of one stream, in version order.
    func events(inStream stream: String) async throws(StoreError) -> [StoredEvent]

    /// Up to `limit` events after `position`, in position order.
    func events(after position: Int64, limit: Int) async throws(StoreError) -> [StoredEvent]

    /// The last position and hash.
    func head() async throws(StoreError) -> ChainHead
}
