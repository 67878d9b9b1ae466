extension DecodingError {
    /// What is wrong with a decoded `document` ("the body", "the line"), in
    /// words naming the field at fault, not the decoder's internals.
    public func plainDescription(of document: String) -> String {
        func field(_ context: DecodingError.Context) -> String {
            context.codingPath.isEmpty ? document : "field " + context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch self {
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case .typeMismatch(let type, let context): return "\(field(context)) is not \(Self.plainName(type))"
        case .valueNotFound(let type, let context): return "\(field(context)) must be \(Self.plainName(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "\(document) is not valid JSON" : "\(field(context)) is invalid"
        @unknown default: return "\(document) does not match the schema"
        }
    }

    /// `Int64` as "a whole number", `Dictionary<String, Any>` as "an object": the JSON words.
    private static func plainName(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.hasPrefix("Dictionary") { return "an object" }
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Int") || name.hasPrefix("UInt") { return "a whole number" }
        if name == "Double" || name == "Float" { return "a number" }
        if name == "Bool" { return "true or false" }
        if name == "String" { return "a string" }
        return "a \(name)"
    }
}
