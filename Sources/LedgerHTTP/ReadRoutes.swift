import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Read-only resources: an account's balance, provider health, a job's state
/// as of a time or position. Any role may read.
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
        let account = try context.pathParameter("account")
        let balance = try await support.call { () async throws(StoreError) in try await services.readModels.account(account) }
        guard let balance else { throw Problem.notFound("no account \(account): no job was registered for it") }
        return Response.json(.object([
            "account": .string(account), "charged": .int(balance.charged), "refunded": .int(balance.refunded),
            "recharged": .int(balance.recharged), "net": .int(balance.net),
        ]))
    }

    private func providerHealth(_ request: Request) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let providers = try await support.call { () async throws(StoreError) in try await services.readModels.providerHealth() }
        return Response.json(Page(plural: "providers", items: providers.map(\.json), nextCursor: nil))
    }

    /// `?as_of=<UTC time>` and/or `?position=<n>`: the job as it was then.
    /// Given both, the history is cut at whichever comes first (events at or
    /// before the position and recorded at or before the time); given
    /// neither, the job as it is now, folded from its events.
    private func state(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases), query: ["as_of", "position"])
        let jobID = try context.pathParameter("job_id")
        let (asOf, position) = try Self.limits(request.uri.queryParameters)
        let limit = position.map(ReplayLimit.position) ?? asOf.map(ReplayLimit.asOf) ?? .none
        guard var timeline = try await support.call({ () async throws(StoreError) in
            try await services.history.replay(jobID: jobID, until: limit)
        }) else {
            throw Problem.notFound("no job \(jobID)")
        }
        if let pastHead = try await support.call({ () async throws(StoreError) in try await services.log.pastHead(limit) }) {
            throw Problem.notFound(pastHead)
        }
        if let asOf, position != nil {
            // recorded_at never decreases along the log, so this keeps a prefix.
            timeline.steps = timeline.steps.filter { Timestamp(iso8601: $0.stored.recordedAt).map { $0 <= asOf } ?? false }
        }
        guard !timeline.steps.isEmpty else { throw Problem.notFound("job \(jobID) did not exist yet then") }
        return Response.json(JobSnapshot(timeline.state))
    }

    static func limits(_ query: Parameters) throws -> (asOf: Timestamp?, position: Int64?) {
        let asOf = try query.get("as_of").map { text in
            guard let at = Timestamp(iso8601: text) else { throw Problem.badRequest("as_of must be a UTC time like 2026-11-23T10:00:00Z") }
            return at
        }
        let position = try query.get("position").map { text in
            guard let value = Int64(text), value >= 1 else { throw Problem.badRequest("position must be a whole number, 1 or more") }
            return value
        }
        return (asOf, position)
    }
}
