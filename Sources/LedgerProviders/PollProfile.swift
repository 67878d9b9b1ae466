import LedgerCore

/// How a provider is polled: its status API, read with the same
/// kind of field mapping as its webhooks, or a `HEAD` on the URL its outputs
/// land at (`{external_id}` substituted), where a 200 is completion evidence.
public struct PollProfile: Sendable, Equatable {
    /// Where a template (a status API's path or body, a HEAD URL) takes the job's external id.
    public static let externalIDPlaceholder = "{external_id}"

    /// `template` with `externalID` (already escaped for where it goes) in place of the placeholder.
    public static func filling(_ template: String, with externalID: some StringProtocol) -> String {
        template.replacingOccurrences(of: externalIDPlaceholder, with: externalID)
    }

    public enum Authentication: Sendable, Equatable {
        /// `Authorization: Bearer <api key>`.
        case bearer
        /// The key in a header of this name (NCA: `x-api-key`).
        case header(String)
    }

    public enum Style: Sendable, Equatable {
        /// `method {base}{path}` with `{external_id}` substituted in the path and
        /// the JSON body template; the answer is read by `reader`.
        case statusAPI(method: String, path: String, bodyTemplate: String?, authentication: Authentication,
                       reader: ProviderProfile)
        /// `HEAD` on the template: 200 means the outputs exist (completed);
        /// 404 or 403 means not yet (`queued`: no claim that the provider started).
        case headURL(template: String)
    }

    public var style: Style
    /// The provider's public API, when it has one (`LEDGER_PROVIDER_<NAME>_BASE_URL` overrides).
    public var defaultBaseURL: String?

    public init(style: Style, defaultBaseURL: String?) {
        self.style = style
        self.defaultBaseURL = defaultBaseURL
    }

    /// `replicate`: `GET {base}/v1/predictions/{id}`, the prediction as its webhook body.
    public static let replicate = PollProfile(
        style: .statusAPI(method: "GET", path: "/v1/predictions/{external_id}", bodyTemplate: nil,
                          authentication: .bearer, reader: .replicate),
        defaultBaseURL: "https://api.replicate.com")

    /// `wavespeed`: `GET {base}/api/v3/predictions/{id}/result` with a bearer key.
    public static let wavespeed = PollProfile(
        style: .statusAPI(method: "GET", path: "/api/v3/predictions/{external_id}/result", bodyTemplate: nil,
                          authentication: .bearer, reader: .wavespeed),
        defaultBaseURL: "https://api.wavespeed.ai")

    /// `nca`: `POST {base}/v1/toolkit/job/status` with `{job_id}`; self-hosted, so no default base.
    public static let nca = PollProfile(
        style: .statusAPI(method: "POST", path: "/v1/toolkit/job/status", bodyTemplate: #"{"job_id":"{external_id}"}"#,
                          authentication: .header("x-api-key"), reader: .ncaStatus),
        defaultBaseURL: nil)

    /// The built-in ways to poll, by provider (`standard` has no status API: only a configured HEAD template).
    public static let builtIn: [String: PollProfile] = ["replicate": .replicate, "wavespeed": .wavespeed, "nca": .nca]
}

extension ProviderProfile {
    /// NCA's job-status answer: `{job_id, code, message, response: {job_status, response}}`,
    /// where the inner `response` is the job's own webhook envelope.
    ///
    /// The toolkit says `done` when a job finished, failed or not: `done` is
    /// decided by the envelope's `code` (200 a completion, any other a
    /// failure, as its webhooks are read), and is left unknown when the
    /// envelope is missing. The outer `code` and `message` are the status
    /// call's own, not the job's.
    public static let ncaStatus = builtIn(
        "nca", .queryToken(parameter: "token"), envelopes: [""], id: "/job_id", status: "/response/job_status",
        outputs: "/response/response/response", error: "/response/response/message",
        map: ["queued": .queued, "submitted": .queued, "running": .processing, "processing": .processing,
              "failed": .failed, "error": .failed],
        result: (words: ["done"], pointer: "/response/response/code", map: ["200": .completed], other: .failed))
}
