import LedgerCore

/// A JSON body the API reads, with the fields it reads. A field it does not
/// read is refused rather than dropped: `"externalId"` for `"external_id"`
/// would otherwise register a job whose webhooks all become orphans.
protocol APIBody: Decodable {
    /// The body's keys (its nested `CodingKeys`, made `CaseIterable`).
    associatedtype CodingKeys: CodingKey & CaseIterable & RawRepresentable<String>
}

extension APIBody {
    static var fields: [String] { CodingKeys.allCases.map(\.rawValue) }
}

extension APIBody {
    /// Why a body with these top-level `keys` holds a field `Self` does not read, or nil.
    static func unknownField(in keys: [String]) -> String? {
        guard let unknown = keys.filter({ !fields.contains($0) }).sorted().first else { return nil }
        let squeezed = { (name: String) in name.lowercased().filter { $0 != "_" && $0 != "-" } }
        let meant = fields.first { squeezed($0) == squeezed(unknown) }
        return "the body has a field the API does not read: \(String(unknown.prefix(100)).debugDescription)"
            + (meant.map { " (did you mean \($0)?)" } ?? " (it reads \(fields.joined(separator: ", ")))")
    }
}
