import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Read-only resources: an account's balance, provider health, a job's state
/// as of a time or position (SPEC §5). Any role may read.
struct ReadRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    func add(to router: Router<LedgerRequestContext>) {
        router.get("v1/accounts/:account") { request, context in try await account(request, context) }
        router.get("v1/providers/health") { request, _ in try await providerHealth(request) }
        router.get("v1/jobs/:job_id/state") { request, context in try await state(request, context) }
    }

    private func account(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let account = try context.parameters.require("account")
        let balance = try await support.call { () async throws(StoreError) in try await services.store.account(account) }
        guard let balance else { throw Problem.notFound("no account \(account): no job was registered for it") }
        return Response.json(.object([
            "account": .string(account), "charged": .int(balance.charged), "refunded": .int(balance.refunded),
            "recharged": .int(balance.recharged), "net": .int(balance.net),
        ]))
    }

    private func providerHealth(_ request: Request) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let providers = try await support.call { () async throws(StoreError) in try await services.store.providerHealth() }
        return Response.json(Page(plural: "providers", items: providers, nextCursor: nil))
    }

    /// `?as_of=<UTC time>` or `?position=<n>`: the job as it was then.
    private func state(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let jobID = try context.parameters.require("job_id")
        let limit = try Self.limit(request.uri.queryParameters)
        guard let timeline = try await support.call({ () async throws(StoreError) in
            try await services.store.replay(jobID: jobID, until: limit)
        }) else {
            throw Problem.notFound("no job \(jobID)")
        }
        guard !timeline.steps.isEmpty else { throw Problem.notFound("job \(jobID) did not exist yet then") }
        return Response.json(JobSnapshot(timeline.state))
    }

    static func limit(_ query: Parameters) throws -> ReplayLimit {
        switch (query.get("as_of"), query.get("position")) {
        case (let time?, nil):
            guard let at = Timestamp(iso8601: time) else {
                throw Problem.badRequest("as_of must be a UTC time like 2026-11-23T10:00:00Z")
            }
            return .asOf(at)
        case (nil, let position?):
            guard let value = Int64(position), value >= 1 else { throw Problem.badRequest("position must be 1 or more") }
            return .position(value)
        case (nil, nil): throw Problem.badRequest("give as_of=<UTC time> or position=<n>")
        default: throw Problem.badRequest("give as_of or position, not both")
        }
    }
}
