import LedgerCore
import LedgerProviders

/// A webhook body a provider would send for one job and status, built from
/// its profile, so custom providers have examples too: the external id,
/// status word, outputs and error placed where the profile reads them.
enum ExampleWebhook {
    enum Status: String, CaseIterable {
        case completed, failed, processing

        var reported: ReportedStatus {
            switch self {
            case .completed: .completed
            case .failed: .failed
            case .processing: .processing
            }
        }
    }

    /// The body, or nil when the provider has no status word for `status`
    /// (the NCA toolkit sends no progress webhooks).
    static func body(profile: ProviderProfile, status: Status, externalID: String) -> String? {
        guard let word = statusWord(profile, status.reported) else { return nil }
        let envelope = profile.envelopes.first?.tokens ?? []
        var body = JSONValue.object([:])
        body = setting(.string(externalID), at: envelope + profile.fields.externalID.tokens, in: body)
        body = setting(Int64(word).map(JSONValue.int) ?? .string(word), at: envelope + profile.fields.status.tokens, in: body)
        switch status {
        case .completed:
            let output = JSONValue.array([.string("https://cdn.example/\(externalID).png")])
            body = setting(output, at: envelope + profile.fields.outputs.tokens, in: body)
        case .failed:
            body = setting(.string("example failure"), at: envelope + profile.fields.error.tokens, in: body)
        case .processing:
            break
        }
        return body.jsonText
    }

    /// The provider's own word for a status: the first of its words that maps
    /// to it, or, where unmapped words mean it (NCA's codes), a word outside the map.
    private static func statusWord(_ profile: ProviderProfile, _ status: ReportedStatus) -> String? {
        if let word = profile.statusMap.filter({ $0.value == status }).keys.sorted().first { return word }
        guard profile.otherStatus == status else { return nil }
        let numeric = profile.statusMap.keys.allSatisfy { Int64($0) != nil }
        return numeric ? "500" : status.rawValue
    }

    /// `document` with `value` at `tokens`, creating the objects on the way.
    private static func setting(_ value: JSONValue, at tokens: [String], in document: JSONValue) -> JSONValue {
        guard let first = tokens.first else { return value }
        var members: [String: JSONValue] = [:]
        if case .object(let existing) = document { members = existing }
        members[first] = setting(value, at: Array(tokens.dropFirst()), in: members[first] ?? .object([:]))
        return .object(members)
    }
}
