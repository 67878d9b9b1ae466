import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerProviders
import LedgerStore

/// `POST /v1/webhooks/{provider}`: verified on the raw bytes, parsed, decided
/// and durably appended, then answered 200. Nothing that is not
/// committed is answered 2xx; a forged or malformed request changes nothing.
struct WebhookRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    func add(to router: Router<LedgerRequestContext>) {
        router.post("v1/webhooks/:provider") { request, context in try await receive(request, context) }
    }

    private func receive(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let name = try context.parameters.require("provider")
        guard let profile = services.providers.profile(named: name) else {
            services.metrics.webhook(provider: "unknown", .unknownProvider)
            // Anyone may post here: the answer does not list the providers this ledger uses
            // (`GET /v1/providers` does, to the ledger's own keys).
            throw Problem.notFound("no provider \(String(name.prefix(100)).debugDescription) is configured on this ledger")
        }
        do {
            return try await record(request, context, profile: profile)
        } catch let problem as Problem {
            refused(name, problem, context)
            throw problem
        }
    }

    /// A webhook's body refused before routing (408, 413 by `BodyReadMiddleware`)
    /// is counted and logged like a refusal of the route's own.
    @Sendable func refusedBeforeRouting(_ request: Request, _ problem: Problem, _ context: LedgerRequestContext) {
        let parts = request.uri.path.split(separator: "/")
        guard parts.count == 3, parts[0] == "v1", parts[1] == "webhooks" else { return }
        let name = String(parts[2])
        guard services.providers.profile(named: name) != nil else {
            services.metrics.webhook(provider: "unknown", .unknownProvider)
            return
        }
        refused(name, problem, context)
    }

    private func refused(_ name: String, _ problem: Problem, _ context: LedgerRequestContext) {
        services.metrics.webhook(provider: name, Self.outcome(of: problem))
        // A flood of forged deliveries, or every delivery in an outage: one line per provider, status and window.
        services.logThrottle.log(context.logger, key: "webhook refused|\(name)|\(problem.status.code)", level: .notice,
                                 "webhook refused", metadata: [
            "provider": .string(name), "status": .stringConvertible(Int(problem.status.code)), "detail": .string(problem.detail),
        ])
    }

    private func record(_ request: Request, _ context: LedgerRequestContext, profile: ProviderProfile) async throws -> Response {
        guard let credentials = services.providers.credentials(for: profile.name) else {
            throw Self.setUpMissing("\(ProviderRegistry.secretKey(profile.name)) is not set: \(profile.name) webhooks cannot be checked yet")
        }
        let body = try await support.body(request)
        let (webhook, claimedJobID) = try await verifiedWebhook(request, body: body, profile: profile, credentials: credentials)
        let metadata = EventMetadata(actor: "provider:\(profile.name)", source: "http", correlationID: webhook.deliveryID)
        let outcome = try await support.write { () async throws(StoreError) in
            try await services.commands.execute(.webhook(webhook, claimedJobID: claimedJobID, metadata: metadata))
        }
        services.metrics.webhook(provider: profile.name,
                                 outcome.duplicate ? .duplicate : outcome.jobID == nil ? .orphan : .recorded)
        context.logger.info("webhook recorded", metadata: [
            "provider": .string(profile.name), "delivery_id": .string(webhook.deliveryID),
            "job_id": .string(outcome.jobID ?? ""), "position": .stringConvertible(outcome.factPosition ?? 0),
            "duplicate": .stringConvertible(outcome.duplicate), "reported_status": .string(webhook.reportedStatus.rawValue),
        ])
        if outcome.reusedDeliveryID {
            // Recorded and answered 200 as Standard Webhooks asks, but what it reports is not acted on:
            // the sender is told nothing, so the operator must be (one line per provider and window).
            services.logThrottle.log(context.logger, key: "webhook id reused|\(profile.name)", level: .warning,
                                     "webhook id reused with another body", metadata: [
                "provider": .string(profile.name), "delivery_id": .string(webhook.deliveryID),
                "job_id": .string(outcome.jobID ?? ""), "position": .stringConvertible(outcome.factPosition ?? 0),
                "advice": .string("the sender gives one id to several messages: recorded as a duplicate, it decides nothing; give each message its own webhook-id"),
            ])
        }
        return Response.json(.object([
            "recorded": .bool(true), "position": outcome.factPosition.map { .int($0) } ?? .null,
            "job_id": outcome.jobID.map { .string($0) } ?? .null, "duplicate": .bool(outcome.duplicate),
        ]))
    }

    private static func outcome(of problem: Problem) -> LedgerMetrics.WebhookOutcome {
        switch problem.status {
        case .unauthorized: .unauthorized
        case .contentTooLarge: .tooLarge
        case .serviceUnavailable: .unavailable
        default: .malformed
        }
    }

    private func verifiedWebhook(_ request: Request, body: Data, profile: ProviderProfile,
                                 credentials: WebhookCredentials) async throws -> (WebhookReceived, claimedJobID: String?) {
        do {
            // Hashed once: the stored digest, a token provider's delivery id and fal's signed message.
            let bodyDigest = ChainHasher.digest(bytes: body)
            let deliveryID = try await authenticate(request, body: body, bodyDigest: bodyDigest, profile: profile, credentials: credentials)
            guard let text = String(data: body, encoding: .utf8) else { throw WebhookRejection.unparseable("the body is not UTF-8") }
            let parsed: JSONValue
            // The parser's reason is named: a number past a double's range or nesting past 64 is JSON
            // this ledger does not read, which "not JSON" would hide from the provider's engineers.
            do { parsed = try JSONParser.parse(text) } catch { throw WebhookRejection.unparseable("the body is not JSON the ledger reads: \(error)") }
            let report = try profile.report(from: parsed)
            let webhook = WebhookReceived(
                deliveryID: deliveryID, provider: profile.name,
                externalID: report.externalID, reportedStatus: report.reportedStatus, rawStatus: report.rawStatus,
                outputs: report.outputs, error: report.error, bodySHA256: bodyDigest, body: text)
            return (webhook, report.claimedJobID)
        } catch let rejection as WebhookRejection {
            switch rejection {
            case .unauthenticated(let detail): throw Problem(.unauthorized, "Unauthorized", detail: detail)
            case .unparseable(let detail): throw Problem.badRequest(detail)
            case .misconfigured(let detail): throw Problem(.internalServerError, "Misconfigured", detail: detail)
            case .unavailable(let detail): throw Self.setUpMissing(detail)
            }
        }
    }

    /// The ledger's set-up cannot check the webhook (no secret, no signing key held yet):
    /// not the sender's fault, so a status providers retry, until the set-up is done.
    private static func setUpMissing(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, "Service Unavailable", detail: detail, retryAfterSeconds: 60)
    }

    /// Checks the request's credentials on the raw body; returns its delivery id.
    private func authenticate(_ request: Request, body: Data, bodyDigest: String, profile: ProviderProfile,
                              credentials: WebhookCredentials) async throws(WebhookRejection) -> String {
        switch profile.authentication {
        case .standardWebhooks:
            let headers = request.headers
            let id = headers[.webhookID]
            try StandardWebhookVerifier(credentials: credentials).verify(
                id: id, timestamp: headers[.webhookTimestamp], signatures: headers[.webhookSignature],
                body: body, now: Int64(services.now().timeIntervalSince1970))
            return id ?? ""
        case .queryToken(let parameter):
            var deliveryID: String?
            if !credentials.v3Keys.isEmpty {
                // WaveSpeed's own signature, when a signing secret is configured.
                let headers = request.headers
                try StandardWebhookVerifier(credentials: credentials).verify(
                    id: headers[.webhookID], timestamp: headers[.webhookTimestamp], signatures: headers[.webhookSignature],
                    body: body, now: Int64(services.now().timeIntervalSince1970))
                deliveryID = headers[.webhookID]
            }
            if !credentials.tokens.isEmpty {
                guard let token = request.uri.queryParameters[Substring(parameter)], credentials.acceptsToken(String(token)) else {
                    throw .unauthenticated("missing or wrong ?\(parameter)= token; check \(ProviderRegistry.secretKey(profile.name))")
                }
            }
            // Without a signature there is no delivery id: the body's digest
            // stands in, so a re-sent identical body is recorded as a duplicate.
            return deliveryID ?? "body-sha256:" + bodyDigest.prefix(32)
        case .falSignature:
            return try await authenticateFal(request, bodyDigest: bodyDigest, profile: profile, credentials: credentials)
        }
    }

    /// fal's signature with its published keys: the keys held first, fetched
    /// again when none verifies (fal rotated them), at most once a minute. The
    /// delivery id is fal's request id with the body's digest: fal's retries
    /// send both again (a duplicate), another body for the same request is a
    /// delivery of its own (a contradiction is recorded, not dropped).
    private func authenticateFal(_ request: Request, bodyDigest: String, profile: ProviderProfile,
                                 credentials: WebhookCredentials) async throws(WebhookRejection) -> String {
        let headers = request.headers
        let falHeaders = FalSignature.Headers(requestID: headers[.falRequestID], userID: headers[.falUserID],
                                              timestamp: headers[.falTimestamp], signature: headers[.falSignature])
        let (message, signature) = try FalSignature.signed(falHeaders, bodyDigest: bodyDigest, userIDs: credentials.falUserIDs,
                                                           now: Int64(services.now().timeIntervalSince1970))
        guard let keyring = services.providers.keyring(for: profile.name) else {
            throw .misconfigured("no JWKS for \(profile.name): serve gives fal_signature providers their keys")
        }
        let deliveryID = (falHeaders.requestID ?? "") + ":" + bodyDigest.prefix(16)
        if FalSignature.verifies(signature, of: message, withOneOf: await keyring.current()) { return deliveryID }
        let keys = await keyring.afterUnknownKey()
        guard FalSignature.verifies(signature, of: message, withOneOf: keys) else {
            let reason = await keyring.failure.map { " (fetching \(keyring.source) failed: \($0))" } ?? ""
            // No key held at all is the ledger's set-up, not a forgery: a 401 would end fal's retries.
            if keys.isEmpty {
                throw .unavailable("no signing key of \(keyring.source) is held yet\(reason): the webhook cannot be checked; retry later")
            }
            throw .unauthenticated("X-Fal-Webhook-Signature verifies with none of the \(keys.count) keys of \(keyring.source)\(reason)")
        }
        return deliveryID
    }
}

extension HTTPField.Name {
    /// The Standard Webhooks headers (WaveSpeed's `v3` uses the same names).
    public static let webhookID = HTTPField.Name("webhook-id")!
    public static let webhookTimestamp = HTTPField.Name("webhook-timestamp")!
    public static let webhookSignature = HTTPField.Name("webhook-signature")!
    /// fal.ai's signature headers.
    public static let falRequestID = HTTPField.Name("x-fal-webhook-request-id")!
    public static let falUserID = HTTPField.Name("x-fal-webhook-user-id")!
    public static let falTimestamp = HTTPField.Name("x-fal-webhook-timestamp")!
    public static let falSignature = HTTPField.Name("x-fal-webhook-signature")!
}
