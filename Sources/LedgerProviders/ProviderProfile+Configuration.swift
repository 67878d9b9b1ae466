import LedgerCore

extension ProviderProfile {
    /// The keys a custom profile may have in the configuration file's `providers`
    /// object (besides the settings every provider has: secret, base_url, api_key).
    public static let profileKeys: Set<String> = [
        "authentication", "token_parameter", "envelopes", "external_id", "status", "outputs", "error",
        "status_map", "other_status", "job_id",
    ]

    /// A custom profile from the configuration file, e.g.
    ///
    /// ```json
    /// "acme": {"authentication": "standard_webhooks", "envelopes": ["/data"],
    ///          "external_id": "/id", "status": "/state", "outputs": "/result", "error": "/error",
    ///          "status_map": {"done": "completed", "error": "failed", "running": "processing"}}
    /// ```
    ///
    /// `job_id`, optional, points at the ledger's own job id when the provider
    /// echoes it back: a webhook is then matched by it first.
    ///
    /// Errors name the key at fault as `providers.acme.status_map`.
    public init(configuredAs name: String, _ object: [String: JSONValue]) throws(ConfigurationError) {
        let prefix = "providers.\(name)"
        func fail(_ key: String, _ detail: String) -> ConfigurationError {
            ConfigurationError(key: "\(prefix).\(key)", detail: detail)
        }
        func pointer(_ key: String, default fallback: String?) throws(ConfigurationError) -> JSONPointer {
            guard let value = object[key] else {
                guard let fallback, let pointer = JSONPointer(fallback) else { throw fail(key, "is required (a JSON pointer like /id)") }
                return pointer
            }
            guard let text = value.stringValue, let pointer = JSONPointer(text) else {
                throw fail(key, "is not a JSON pointer (\"\" or /a/b, with ~0 and ~1 escapes)")
            }
            return pointer
        }
        func status(_ value: JSONValue, key: String) throws(ConfigurationError) -> ReportedStatus {
            guard let text = value.stringValue, let status = ReportedStatus(rawValue: text) else {
                let allowed = ReportedStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw fail(key, "must be one of \(allowed)")
            }
            return status
        }

        guard Self.isValidName(name) else {
            throw ConfigurationError(key: prefix, detail: "a provider name is 1-40 lowercase letters, digits or _")
        }
        guard ProviderProfile.builtIn[name] == nil else {
            throw ConfigurationError(key: prefix, detail: "\(name) is built in; its profile cannot be redefined (only secret, base_url, api_key)")
        }
        let authentication: Authentication
        switch object["authentication"]?.stringValue {
        case "standard_webhooks"?: authentication = .standardWebhooks
        case "query_token"?:
            let parameter = object["token_parameter"]?.stringValue ?? "token"
            guard !parameter.isEmpty else { throw fail("token_parameter", "must not be empty") }
            authentication = .queryToken(parameter: parameter)
        default: throw fail("authentication", "must be standard_webhooks or query_token")
        }
        var envelopes: [JSONPointer] = [JSONPointer("")!]
        if let listed = object["envelopes"] {
            guard case .array(let items) = listed, !items.isEmpty else { throw fail("envelopes", "must be a list of JSON pointers") }
            envelopes = []
            for item in items {
                guard let text = item.stringValue, let pointer = JSONPointer(text) else {
                    throw fail("envelopes", "\(item.jsonText) is not a JSON pointer")
                }
                envelopes.append(pointer)
            }
        }
        guard case .object(let words)? = object["status_map"], !words.isEmpty else {
            throw fail("status_map", "is required: an object from the provider's status words to queued, processing, completed, failed, cancelled")
        }
        var statusMap: [String: ReportedStatus] = [:]
        for (word, value) in words { statusMap[word] = try status(value, key: "status_map.\(word)") }
        self.init(
            name: name, authentication: authentication, envelopes: envelopes,
            fields: Fields(externalID: try pointer("external_id", default: nil), status: try pointer("status", default: nil),
                           outputs: try pointer("outputs", default: "/outputs"), error: try pointer("error", default: "/error"),
                           jobID: object["job_id"] == nil ? nil : try pointer("job_id", default: nil)),
            statusMap: statusMap, otherStatus: try object["other_status"].map { v throws(ConfigurationError) in try status(v, key: "other_status") } ?? .unknown)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 40
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}
