import Foundation
import LedgerCore

/// What a webhook says about a job, once verified and parsed.
public struct WebhookReport: Sendable, Equatable {
    public var externalID: String
    public var reportedStatus: ReportedStatus
    public var rawStatus: String
    public var outputs: JSONValue
    public var error: String?
    /// The ledger's own job id, when the body names it (NCA's `id`): it
    /// decides when no job owns the external id (see ``WebhookRoute``).
    public var claimedJobID: String?
}

/// How a provider's webhooks are authenticated, where their bodies keep the
/// external id, status, outputs and error, and how its status words map to
/// ours. Built-in profiles and the configuration file's custom ones
/// are the same data: no provider needs code of its own.
public struct ProviderProfile: Sendable, Equatable {
    public enum Authentication: Sendable, Equatable {
        /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1` HMAC, `v1a` Ed25519).
        case standardWebhooks
        /// A shared token in the query string (`?token=`); no replay protection
        /// beyond duplicate detection, so prefer signatures where offered.
        case queryToken(parameter: String)
        /// fal.ai's Ed25519 signatures (``FalSignature``), keys from a JWKS;
        /// the provider's secret lists the fal user ids accepted.
        case falSignature
    }

    /// Where each field is, relative to the envelope the body is found in.
    public struct Fields: Sendable, Equatable {
        public var externalID: JSONPointer
        public var status: JSONPointer
        public var outputs: JSONPointer
        public var error: JSONPointer
        /// Where the body names the ledger's own job id, if it does (NCA: `/id`).
        public var jobID: JSONPointer?
    }

    public var name: String
    public var authentication: Authentication
    /// Objects tried in turn (`""` the body itself, `/data` a wrapper); the
    /// first holding an external id is read. WaveSpeed sometimes wraps.
    public var envelopes: [JSONPointer]
    public var fields: Fields
    public var statusMap: [String: ReportedStatus]
    /// What a status word missing from the map means (NCA: any code but 200 is a failure).
    public var otherStatus: ReportedStatus
    /// Where a second field decides what some status words mean (NCA's status
    /// answer says `done` of failed and successful jobs alike; the job's own
    /// result code tells which).
    public var result: ResultField?

    /// A second field read only for some status words: its value, mapped,
    /// is the report's status. When it is missing the word stays unknown
    /// (recorded and counted, never guessed).
    public struct ResultField: Sendable, Equatable {
        /// The status words the result decides (`done`).
        public var forWords: Set<String>
        public var pointer: JSONPointer
        public var map: [String: ReportedStatus]
        /// What a result value missing from the map means.
        public var other: ReportedStatus

        public init(forWords: Set<String>, pointer: JSONPointer, map: [String: ReportedStatus], other: ReportedStatus) {
            self.forWords = forWords
            self.pointer = pointer
            self.map = map
            self.other = other
        }

        func status(in envelope: JSONValue) -> ReportedStatus {
            guard let value = ProviderProfile.text(pointer.resolve(in: envelope)) else { return .unknown }
            return map[value] ?? other
        }
    }

    public init(name: String, authentication: Authentication, envelopes: [JSONPointer], fields: Fields,
                statusMap: [String: ReportedStatus], otherStatus: ReportedStatus, result: ResultField? = nil) {
        self.name = name
        self.authentication = authentication
        self.envelopes = envelopes
        self.fields = fields
        self.statusMap = statusMap
        self.otherStatus = otherStatus
        self.result = result
    }

    /// Reads the report out of a parsed body. The external id may be missing
    /// when the body names our job id instead (NCA's failure webhooks); an
    /// error is kept only on a report that is not a completion (NCA sends
    /// `message: "success"` with every success).
    public func report(from body: JSONValue) throws(WebhookRejection) -> WebhookReport {
        guard case .object = body else { throw .unparseable("the body is not a JSON object") }
        let found = envelopes.lazy.compactMap { pointer in pointer.resolve(in: body) }.map { envelope in
            (envelope, Self.text(fields.externalID.resolve(in: envelope)), fields.jobID.flatMap { Self.text($0.resolve(in: envelope)) })
        }
        guard let (envelope, externalID, claimedJobID) = found.first(where: { $0.1?.isEmpty == false || $0.2?.isEmpty == false })
        else {
            throw .unparseable("missing \(fields.externalID) (the provider's id for the job)")
        }
        guard let raw = Self.text(fields.status.resolve(in: envelope)) else {
            throw .unparseable("missing \(fields.status) (the job's status)")
        }
        let status = if let result, result.forWords.contains(raw) { result.status(in: envelope) } else { statusMap[raw] ?? otherStatus }
        let errorText: String? = switch fields.error.resolve(in: envelope) {
        case nil, .null: nil
        case _ where status == .completed: nil
        case .string(let text): text.isEmpty ? nil : text
        case let other?: other.jsonText
        }
        return WebhookReport(externalID: externalID ?? "", reportedStatus: status, rawStatus: raw,
                             outputs: fields.outputs.resolve(in: envelope) ?? .null, error: errorText,
                             claimedJobID: claimedJobID.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Ids and status words may be strings or whole numbers (NCA's `code: 200`).
    fileprivate static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .int(let number)?: String(number)
        default: nil
        }
    }
}

extension ProviderProfile {
    /// Builds a profile from pointer texts that are known to be valid.
    static func builtIn(_ name: String, _ authentication: Authentication, envelopes: [String],
                        id: String, status: String, outputs: String, error: String, jobID: String? = nil,
                        map: [String: ReportedStatus], other: ReportedStatus = .unknown,
                        result: (words: Set<String>, pointer: String, map: [String: ReportedStatus], other: ReportedStatus)? = nil)
        -> ProviderProfile {
        func pointer(_ text: String) -> JSONPointer {
            guard let pointer = JSONPointer(text) else { preconditionFailure("built-in pointer \(text) is invalid") }
            return pointer
        }
        return ProviderProfile(
            name: name, authentication: authentication, envelopes: envelopes.map(pointer),
            fields: Fields(externalID: pointer(id), status: pointer(status), outputs: pointer(outputs), error: pointer(error),
                           jobID: jobID.map(pointer)),
            statusMap: map, otherStatus: other,
            result: result.map { ResultField(forWords: $0.words, pointer: pointer($0.pointer), map: $0.map, other: $0.other) })
    }

    /// `standard`: any provider signing with Standard Webhooks; body `{type, data: {external_id, status, outputs, error}}`.
    public static let standard = builtIn(
        "standard", .standardWebhooks, envelopes: ["/data"], id: "/external_id", status: "/status",
        outputs: "/outputs", error: "/error",
        map: ["queued": .queued, "processing": .processing, "completed": .completed, "failed": .failed,
              "cancelled": .cancelled, "canceled": .cancelled])

    /// `replicate`: Standard Webhooks; the body is a prediction `{id, status, output, error}`.
    /// `aborted` is a prediction stopped before it started (not charged): a cancellation.
    public static let replicate = builtIn(
        "replicate", .standardWebhooks, envelopes: [""], id: "/id", status: "/status", outputs: "/output", error: "/error",
        map: ["starting": .queued, "processing": .processing, "succeeded": .completed, "failed": .failed,
              "canceled": .cancelled, "aborted": .cancelled])

    /// `wavespeed`: `?token=` and/or its `v3` signature (a signing secret);
    /// `{id, status, outputs, error}`, wrapped in `data` by its result API;
    /// `error` is `""` on success. `pending` appears in its SDK's answers.
    public static let wavespeed = builtIn(
        "wavespeed", .queryToken(parameter: "token"), envelopes: ["", "/data"], id: "/id", status: "/status",
        outputs: "/outputs", error: "/error",
        map: ["created": .queued, "pending": .queued, "processing": .processing, "completed": .completed, "failed": .failed])

    /// `nca` (No-Code Architects toolkit): `?token=`; `{job_id (theirs), id (ours), code, response, message}`;
    /// code 200 is success, any other code a failure. Run as Cloud Run jobs the
    /// toolkit draws a `job_id` of its own (and sends none on failure): our `id`
    /// decides where no job owns that `job_id`.
    public static let nca = builtIn(
        "nca", .queryToken(parameter: "token"), envelopes: [""], id: "/job_id", status: "/code",
        outputs: "/response", error: "/message", jobID: "/id", map: ["200": .completed], other: .failed)

    /// The profiles every ledger knows, by name.
    public static let builtIn: [String: ProviderProfile] = [
        "standard": .standard, "replicate": .replicate, "wavespeed": .wavespeed, "nca": .nca,
    ]
}
