/// A read model's or an auditor's query's answer: columns, and each value
/// as text (`nil` for none).
public struct ReadTable: Sendable, Hashable {
    public var columns: [String]
    /// Each value as text, or `nil` for SQL NULL.
    public var rows: [[String?]]
    /// The columns whose values are numbers (by index: a SELECT may name a
    /// column twice), for a reader that types them (`--format json`). On
    /// SQLite, a column with a number and no text or blob in any row; on
    /// PostgreSQL, a column of a number type (booleans as 1 and 0).
    public var numberColumns: Set<Int>

    public init(columns: [String], rows: [[String?]], numberColumns: Set<Int> = []) {
        self.columns = columns
        self.rows = rows
        self.numberColumns = numberColumns
    }

    /// One row read by column name: reordering a SELECT cannot move a value
    /// into another's place. A column the answer lacks is a mistake in the
    /// reader (a misspelt name): it stops a debug build, and reads as `nil`
    /// (a count as 0) in a release one.
    public struct Record: Sendable {
        let indexes: [String: Int]
        let values: [String?]

        public subscript(_ column: String) -> String? {
            assert(indexes[column] != nil, "no column \(column) in \(indexes.keys.sorted())")
            return indexes[column].flatMap { values[$0] }
        }

        /// The column as an integer, 0 when absent or not a number (counts).
        public func count(_ column: String) -> Int { Int(self[column] ?? "") ?? 0 }
    }

    /// The rows, each read by column name.
    public var records: [Record] {
        let indexes = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return rows.map { Record(indexes: indexes, values: $0) }
    }
}

/// Why an auditor's query (`ledger query`) gave no answer.
public enum QueryFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(String)
    case refused(String)
    case timedOut(milliseconds: Int)
    case tooManyRows(Int)
    case sqlError(String)

    public var description: String {
        switch self {
        case .cannotOpen(let detail): "cannot open the database read-only: \(detail)"
        case .refused(let detail): "refused: \(detail) (ledger query is read-only)"
        case .timedOut(let milliseconds): "stopped after its \(milliseconds) ms time budget; narrow the query"
        case .tooManyRows(let count): "more than \(count) rows; add a LIMIT"
        case .sqlError(let detail): detail
        }
    }
}
