import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// `POST /v1/webhooks/{provider}`: verified on the raw bytes, parsed, decided
/// and durably appended, then answered 200 (SPEC §5, §9). Nothing that is not
/// committed is answered 2xx; a forged or malformed request changes nothing.
struct WebhookRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    func add(to router: Router<BasicRequestContext>) {
        router.post("v1/webhooks/:provider") { request, context in try await receive(request, context) }
    }

    private func receive(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let name = try context.parameters.require("provider")
        guard let profile = ProviderProfile.builtIn[name] else {
            throw Problem.notFound("no provider \(name); built in: \(ProviderProfile.builtIn.keys.sorted().joined(separator: ", "))")
        }
        guard let secret = services.providerSecrets[name] else {
            throw Problem(.unauthorized, "Unauthorized",
                          detail: "LEDGER_PROVIDER_\(name.uppercased())_SECRET is not set: \(name) webhooks are refused")
        }
        let body = try await support.body(request)
        let webhook = try verifiedWebhook(request, body: body, profile: profile, secret: secret)
        let metadata = EventMetadata(actor: "provider:\(name)", source: "http",
                                     correlationID: request.headers[.init("webhook-id") ?? .accept])
        let outcome = try await support.call { () async throws(StoreError) in
            try await services.store.execute(.webhook(webhook, metadata: metadata))
        }
        return Response.json(.object([
            "recorded": .bool(true), "position": outcome.factPosition.map { .int($0) } ?? .null,
            "job_id": outcome.jobID.map { .string($0) } ?? .null, "duplicate": .bool(outcome.duplicate),
        ]))
    }

    private func verifiedWebhook(_ request: Request, body: Data, profile: ProviderProfile,
                                 secret: String) throws -> WebhookReceived {
        let headers = request.headers
        do {
            let verifier = try StandardWebhookVerifier(secret: secret)
            try verifier.verify(id: headers[.init("webhook-id") ?? .accept],
                                timestamp: headers[.init("webhook-timestamp") ?? .accept],
                                signatures: headers[.init("webhook-signature") ?? .accept],
                                body: body, now: Int64(services.now().timeIntervalSince1970))
            guard let text = String(data: body, encoding: .utf8) else { throw WebhookRejection.unparseable("the body is not UTF-8") }
            guard let parsed = try? JSONParser.parse(text) else { throw WebhookRejection.unparseable("the body is not JSON") }
            let report = try profile.parse(parsed)
            return WebhookReceived(
                deliveryID: headers[.init("webhook-id") ?? .accept] ?? "", provider: profile.name,
                externalID: report.externalID, reportedStatus: report.reportedStatus, rawStatus: report.rawStatus,
                outputs: report.outputs, error: report.error, bodySHA256: ChainHasher.digest(bytes: body), body: text)
        } catch let rejection as WebhookRejection {
            switch rejection {
            case .unauthenticated(let detail): throw Problem(.unauthorized, "Unauthorized", detail: detail)
            case .unparseable(let detail): throw Problem.badRequest(detail)
            case .misconfigured(let detail): throw Problem(.internalServerError, "Misconfigured", detail: detail)
            }
        }
    }
}
