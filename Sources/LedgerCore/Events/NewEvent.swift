/// An event to append, with who caused it.
public struct NewEvent: Sendable, Hashable {
    public var event: LedgerEvent
    public var metadata: EventMetadata

    public init(_ event: LedgerEvent, metadata: EventMetadata) {
        self.event = event
        self.metadata = metadata
    }
}
