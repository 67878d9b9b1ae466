import Foundation
import LedgerCore
import LedgerProviders
import NIOHTTP1

/// Polls one provider for one job and turns the answer into a `poll.result`.
public struct PollClient: Sendable {
    public var provider: String
    public var profile: PollProfile
    public var endpoint: ProviderEndpoint

    /// The client for `provider`, or nil when it cannot be polled (``unpollable(provider:endpoint:)`` says why).
    public init?(provider: String, endpoint: ProviderEndpoint?) {
        let endpoint = endpoint ?? ProviderEndpoint()
        guard case .success(let profile) = Self.profile(provider: provider, endpoint: endpoint) else { return nil }
        self.provider = provider
        self.profile = profile
        self.endpoint = endpoint
    }

    /// Why `provider` cannot be polled with `endpoint`, in words naming the
    /// setting that is missing; nil when it can.
    public static func unpollable(provider: String, endpoint: ProviderEndpoint?) -> String? {
        guard case .failure(let missing) = profile(provider: provider, endpoint: endpoint ?? ProviderEndpoint()) else { return nil }
        let setting = { ProviderRegistry.environmentName(provider: provider, key: $0) }
        switch missing {
        case .headTemplate:
            return "\(provider) has no status API the ledger knows: give it a HEAD template (\(setting("poll_head_url")))"
        case .baseURL:
            return "\(provider)'s status API has no public address: set \(setting("base_url")) and \(setting("api_key"))"
        case .apiKey:
            return "\(provider)'s status API needs a key: set \(setting("api_key"))"
        }
    }

    private enum Missing: Error { case headTemplate, baseURL, apiKey }

    /// What is polled for `provider`: its HEAD template if it has one, else
    /// its built-in status API, which needs an address and a key.
    private static func profile(provider: String, endpoint: ProviderEndpoint) -> Result<PollProfile, Missing> {
        if let template = endpoint.pollHeadURL { return .success(PollProfile(style: .headURL(template: template), defaultBaseURL: nil)) }
        guard let builtIn = PollProfile.builtIn[provider] else { return .failure(.headTemplate) }
        guard endpoint.baseURL ?? builtIn.defaultBaseURL != nil else { return .failure(.baseURL) }
        // Without a key every poll would be a 401 recorded as an event.
        guard endpoint.apiKey != nil else { return .failure(.apiKey) }
        return .success(builtIn)
    }

    /// What a poll of `externalID` sends.
    public func request(externalID: String) -> OutboundRequest {
        let id = externalID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? externalID
        switch profile.style {
        case .headURL(let template):
            return OutboundRequest(method: .HEAD, url: PollProfile.filling(template, with: id))
        case .statusAPI(let method, let path, let bodyTemplate, let authentication, _):
            let base = (endpoint.baseURL ?? profile.defaultBaseURL ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            var headers: [(String, String)] = [("accept", "application/json")]
            if let key = endpoint.apiKey {
                switch authentication {
                case .bearer: headers.append(("authorization", "Bearer \(key)"))
                case .header(let name): headers.append((name, key))
                }
            }
            var body: Data?
            if let bodyTemplate {
                body = Data(PollProfile.filling(bodyTemplate, with: JSONValue.string(externalID).jsonText.dropFirst().dropLast()).utf8)
                headers.append(("content-type", "application/json"))
            }
            return OutboundRequest(method: HTTPMethod(rawValue: method), url: base + PollProfile.filling(path, with: id),
                                   headers: headers, body: body)
        }
    }

    /// The `poll.result` for an answer (or a transport failure).
    public func result(_ answer: Result<OutboundResponse, OutboundError>, attempt: Int, externalID: String) -> PollResult {
        switch answer {
        case .failure(let error):
            return PollResult(attempt: attempt, reportedStatus: .unknown, rawStatus: "", transportError: error.description)
        case .success(let response):
            return result(response, attempt: attempt, url: request(externalID: externalID).url)
        }
    }

    private func result(_ response: OutboundResponse, attempt: Int, url: String) -> PollResult {
        func plain(_ status: ReportedStatus, _ raw: String, outputs: JSONValue = .null, error: String? = nil) -> PollResult {
            PollResult(attempt: attempt, reportedStatus: status, rawStatus: raw, outputs: outputs, error: error,
                       httpStatus: response.status, latencyMilliseconds: response.latencyMilliseconds)
        }
        switch profile.style {
        case .headURL:
            switch response.status {
            case 200: return plain(.completed, "200", outputs: .array([.string(url)]))
            // Not there yet: the job is not done, and nothing says the provider started it
            // (`processing` would tell the app `job.started` under notify_events=all).
            case 403, 404: return plain(.queued, String(response.status))
            default: return plain(.unknown, String(response.status), error: "HEAD answered \(response.status)")
            }
        case .statusAPI(_, _, _, _, let reader):
            guard (200..<300).contains(response.status) else {
                return plain(.unknown, "", error: "the status API answered \(response.status)")
            }
            guard let text = String(data: response.body, encoding: .utf8), let body = try? JSONParser.parse(text) else {
                return plain(.unknown, "", error: "the status API's answer is not JSON")
            }
            do {
                let report = try reader.report(from: body)
                return plain(report.reportedStatus, report.rawStatus, outputs: report.outputs, error: report.error)
            } catch {
                return plain(.unknown, "", error: "the status API's answer has no status: \(error)")
            }
        }
    }
}
