/// The SQL a document shows, read from it so tests run exactly what operators copy.
public enum DocumentedSQL {
    /// The statements of the SQL block that holds the line beginning with
    /// `marker`: from the line after it to the block's closing fence,
    /// comment lines and trailing comments left out, split at semicolons.
    public static func statements(in document: String, after marker: String) -> [String]? {
        guard let start = document.range(of: marker) else { return nil }
        let rest = document[start.upperBound...].drop { $0 != "\n" }
        let block = rest[..<(rest.range(of: "\n```")?.lowerBound ?? rest.endIndex)]
        return block.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
            .map { $0.components(separatedBy: "  --").first ?? String($0) }.joined(separator: "\n")
            .split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }
}
