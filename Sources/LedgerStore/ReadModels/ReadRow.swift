import LedgerCore

/// A read model's row as a Swift value, decoded by column name (the shape
/// of GRDB's `FetchableRecord`): reordering a SELECT in either dialect
/// cannot move a value into another's place, and the doctor, the front page
/// and the commands read the same fields.
public protocol ReadRow: Sendable {
    init(_ record: ReadTable.Record)
}

extension ReadTable {
    /// The rows decoded as `Row`.
    public func decoded<Row: ReadRow>(as _: Row.Type = Row.self) -> [Row] { records.map(Row.init) }
}

extension ReadTable.Record {
    /// The column as a time, nil when absent or not one.
    public func time(_ column: String) -> Timestamp? { self[column].flatMap(Timestamp.init(iso8601:)) }
}
