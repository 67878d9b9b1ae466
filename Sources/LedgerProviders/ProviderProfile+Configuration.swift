import LedgerCore

extension ProviderProfile {
    /// The keys a custom profile may have in the configuration file's `providers`
    /// object (besides the settings every provider has: secret, base_url, api_key).
    public static let profileKeys: Set<String> = [
        "authentication", "token_parameter", "envelopes", "external_id", "status", "outputs", "error",
        "status_map", "other_status", "job_id", "result", "result_for", "result_map", "other_result",
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
    /// `result`, optional, points at a second field that decides what the
    /// status words listed in `result_for` mean, through `result_map` (and
    /// `other_result` for values it does not list, default `unknown`):
    /// `"result": "/response/code", "result_for": ["done"], "result_map": {"200": "completed"}, "other_result": "failed"`.
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
            throw ConfigurationError(key: prefix, detail: "\(name) is built in; its profile cannot be redefined, only given its settings (secret, base_url and the others docs/configuration.md lists for every provider)")
        }
        let authentication: Authentication
        switch object["authentication"]?.stringValue {
        case "standard_webhooks"?: authentication = .standardWebhooks
        case "fal_signature"?: authentication = .falSignature
        case "query_token"?:
            let parameter = object["token_parameter"]?.stringValue ?? "token"
            guard !parameter.isEmpty else { throw fail("token_parameter", "must not be empty") }
            authentication = .queryToken(parameter: parameter)
        default: throw fail("authentication", "must be standard_webhooks, query_token or fal_signature")
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
            fields: try Self.fields(object, pointer: pointer),
            statusMap: statusMap, otherStatus: try object["other_status"].map { v throws(ConfigurationError) in try status(v, key: "other_status") } ?? .unknown,
            result: try Self.resultField(object, pointer: pointer, status: status, fail: fail))
    }

    private static func fields(_ object: [String: JSONValue],
                               pointer: (String, String?) throws(ConfigurationError) -> JSONPointer) throws(ConfigurationError) -> Fields {
        Fields(externalID: try pointer("external_id", nil), status: try pointer("status", nil),
               outputs: try pointer("outputs", "/outputs"), error: try pointer("error", "/error"),
               jobID: object["job_id"] == nil ? nil : try pointer("job_id", nil))
    }

    /// `result` with `result_for` and `result_map` (all three or none).
    private static func resultField(_ object: [String: JSONValue],
                                    pointer: (String, String?) throws(ConfigurationError) -> JSONPointer,
                                    status: (JSONValue, String) throws(ConfigurationError) -> ReportedStatus,
                                    fail: (String, String) -> ConfigurationError) throws(ConfigurationError) -> ResultField? {
        guard object["result"] != nil || object["result_for"] != nil || object["result_map"] != nil else { return nil }
        guard object["result"] != nil else { throw fail("result", "is required with result_for and result_map (a JSON pointer)") }
        guard case .array(let listed)? = object["result_for"], !listed.isEmpty,
              case let words = listed.compactMap(\.stringValue), words.count == listed.count else {
            throw fail("result_for", "is required with result: the status words the result decides, as a list of strings")
        }
        guard case .object(let values)? = object["result_map"], !values.isEmpty else {
            throw fail("result_map", "is required with result: an object from the result's values to queued, processing, completed, failed, cancelled")
        }
        var map: [String: ReportedStatus] = [:]
        for (value, mapped) in values { map[value] = try status(mapped, "result_map.\(value)") }
        let other = try object["other_result"].map { v throws(ConfigurationError) in try status(v, "other_result") } ?? .unknown
        return ResultField(forWords: Set(words), pointer: try pointer("result", nil), map: map, other: other)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 40
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}
