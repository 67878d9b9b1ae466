import Foundation
import LedgerCore

/// What a webhook says about a job, once verified and parsed.
public struct WebhookReport: Sendable, Equatable {
    public var externalID: String
    public var reportedStatus: ReportedStatus
    public var rawStatus: String
    public var outputs: JSONValue
    public var error: String?
}

/// A built-in provider: where its webhooks put the external id, status,
/// outputs and error, and how its status words map to ours (SPEC §6).
public struct ProviderProfile: Sendable {
    public var name: String
    public var statusMap: [String: ReportedStatus]
    /// Reads the report out of a parsed body.
    public var parse: @Sendable (JSONValue) throws(WebhookRejection) -> WebhookReport

    /// `standard`: any provider signing with Standard Webhooks; body `{type, data: {external_id, status, outputs, error}}`.
    public static let standard = ProviderProfile(
        name: "standard",
        statusMap: ["queued": .queued, "processing": .processing, "completed": .completed, "failed": .failed,
                    "cancelled": .cancelled, "canceled": .cancelled]
    ) { body throws(WebhookRejection) in
        guard let data = body["data"] else { throw .unparseable("missing data") }
        return try report(data, id: "external_id", status: "status", outputs: "outputs", error: "error",
                          map: ProviderProfile.standardMap)
    }

    /// `replicate`: the body is a prediction `{id, status, output, error}`.
    public static let replicate = ProviderProfile(
        name: "replicate",
        statusMap: replicateMap
    ) { body throws(WebhookRejection) in
        try report(body, id: "id", status: "status", outputs: "output", error: "error", map: ProviderProfile.replicateMap)
    }

    static let standardMap: [String: ReportedStatus] = [
        "queued": .queued, "processing": .processing, "completed": .completed, "failed": .failed,
        "cancelled": .cancelled, "canceled": .cancelled,
    ]
    static let replicateMap: [String: ReportedStatus] = [
        "starting": .queued, "processing": .processing, "succeeded": .completed, "failed": .failed, "canceled": .cancelled,
    ]

    /// The profiles that sign with Standard Webhooks (the others arrive with the ingest issue).
    public static let builtIn: [String: ProviderProfile] = ["standard": .standard, "replicate": .replicate]

    private static func report(_ object: JSONValue, id: String, status: String, outputs: String, error: String,
                               map: [String: ReportedStatus]) throws(WebhookRejection) -> WebhookReport {
        guard case .object = object else { throw .unparseable("the body is not a JSON object") }
        guard let externalID = object[id]?.stringValue, !externalID.isEmpty else {
            throw .unparseable("missing \(id) (the provider's id for the job)")
        }
        guard let raw = object[status]?.stringValue else { throw .unparseable("missing \(status)") }
        let errorText: String? = switch object[error] {
        case nil, .null: nil
        case .string(let text): text
        case let other?: other.jsonText
        }
        return WebhookReport(externalID: externalID, reportedStatus: map[raw] ?? .unknown, rawStatus: raw,
                             outputs: object[outputs] ?? .null, error: errorText)
    }
}
