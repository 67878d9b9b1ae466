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

    /// One object per row; a number column's values as JSON numbers (an
    /// integer exactly, past 64 bits or with a fraction as a double), text as strings.
    static func json(_ result: ReadTable) -> String {
        let names = uniqueNames(result.columns)
        let objects: [JSONValue] = result.rows.map { row in
            .object(Dictionary(uniqueKeysWithValues: zip(result.columns.indices, row).map { column, value in
                (names[column], value.map { jsonValue($0, number: result.numberColumns.contains(column)) } ?? .null)
            }))
        }
        return JSONValue.array(objects).jsonText
    }

    /// The columns' names as an object's keys: a name given again (`SELECT 1 AS a, 2 AS a`)
    /// gets `_2`, `_3`, ... (the table and CSV show both under the one name).
    static func uniqueNames(_ columns: [String]) -> [String] {
        var taken = Set<String>()
        return columns.map { name in
            var unique = name, suffix = 1
            while taken.contains(unique) { suffix += 1; unique = "\(name)_\(suffix)" }
            taken.insert(unique)
            return unique
        }
    }

    private static func jsonValue(_ text: String, number: Bool) -> JSONValue {
        guard number else { return .string(text) }
        if let integer = Int64(text) { return .int(integer) }
        if let double = Double(text), double.isFinite { return .double(double) }
        return .string(text)
    }
}
