/// A row the fold keeps in a projection table of its own (a notification,
/// an attempt, a refund...): its table, its columns, its values in their
/// order. Each dialect writes every such row the same way, as an upsert on
/// the row's key.
public protocol ProjectionRow: Sendable {
    static var table: String { get }
    static var columns: [String] { get }
    /// How many of the first columns identify a row (the upsert's key).
    static var keyColumnCount: Int { get }
    /// The values in ``columns`` order.
    var rowValues: [SQLValue] { get }
    /// What `column` becomes when a row of the same key is there already,
    /// `stored` naming the table's row: by default the new value.
    static func assignment(_ column: String, stored: String) -> String
}

extension ProjectionRow {
    public static var keyColumnCount: Int { 1 }

    public static func assignment(_ column: String, stored: String) -> String { "\(column) = excluded.\(column)" }

    /// The columns that identify a row.
    public static var keyColumns: ArraySlice<String> { columns.prefix(keyColumnCount) }

    /// The assignments of every column outside the key.
    public static func assignments(stored: String) -> String {
        columns.dropFirst(keyColumnCount).map { assignment($0, stored: stored) }.joined(separator: ", ")
    }
}
