extension JSONValue {
    /// Every http(s) URL among the strings of a job's outputs, in order and
    /// without duplicates: `output_urls`, one shape whatever the provider
    /// (a URL, a list of them, objects with URLs in any field).
    ///
    /// Arrays are read in order and objects by key in UTF-8 byte order, the
    /// order outputs are stored in, so the `jobs` view's SQL (`json_tree` over
    /// the stored text) finds the same list. A URL is a string that starts
    /// with `http://` or `https://` in any letter case.
    public var outputURLs: [String] {
        var found: [String] = []
        var seen: Set<String> = []
        collectURLs(into: &found, seen: &seen)
        return found
    }

    private func collectURLs(into found: inout [String], seen: inout Set<String>) {
        switch self {
        case .string(let text):
            if Self.isHTTPURL(text), seen.insert(text).inserted { found.append(text) }
        case .array(let items):
            for item in items { item.collectURLs(into: &found, seen: &seen) }
        case .object(let members):
            for key in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                members[key]?.collectURLs(into: &found, seen: &seen)
            }
        case .null, .bool, .int, .double:
            break
        }
    }

    private static func isHTTPURL(_ text: String) -> Bool {
        let head = text.utf8.prefix(8).map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }
        return head.starts(with: "http://".utf8) || head.starts(with: "https://".utf8)
    }
}

extension JobState {
    /// The job's `output_urls`: those of its outputs, then those of a late
    /// completion's outputs (a failed job that completed after all keeps its
    /// status, and the app still finds the files in one place).
    public var outputURLs: [String] {
        var urls = outputs.outputURLs
        for url in lateOutputs?.outputURLs ?? [] where !urls.contains(url) { urls.append(url) }
        return urls
    }
}
