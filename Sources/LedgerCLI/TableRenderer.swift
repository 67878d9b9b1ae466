import LedgerCore
import LedgerSQLite
import LedgerStore

/// Renders query results as an aligned table, RFC 4180 CSV, or JSON objects.
enum TableRenderer {
    static func table(_ result: ReadTable) -> String {
        let cells = result.rows.map { $0.map { $0 ?? "NULL" } }
        let widths = result.columns.indices.map { column in
            ([result.columns[column]] + cells.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }
        return ([line(result.columns), line(rule)] + cells.map(line)).joined(separator: "\n")
    }

    static func csv(_ result: ReadTable) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "" }
            let needsQuotes = value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            return needsQuotes ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
        }
        return ([result.columns.map(field).joined(separator: ",")]
                + result.rows.map { $0.map(field).joined(separator: ",") }).joined(separator: "\n")
    }

    static func json(_ result: ReadTable) -> String {
        let objects: [JSONValue] = result.rows.map { row in
            .object(Dictionary(uniqueKeysWithValues: zip(result.columns, row).map { ($0, $1.map(JSONValue.string) ?? .null) }))
        }
        return JSONValue.array(objects).jsonText
    }
}
