import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// `POST /v1/jobs/{job_id}/actions` (admin): operators resolve a job by hand;
/// the action and its reason land in an `operator.action` event. `poll`,
/// `notify` and `reevaluate` are re-drives through the background services.
struct ActionRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    struct ActionBody: APIBody {
        var action: String
        var operatorName: String
        var reason: String
        var outputs: JSONValue?

        enum CodingKeys: String, CodingKey, CaseIterable { case action, operatorName = "operator", reason, outputs }
    }

    func add(to router: Router<LedgerRequestContext>) {
        router.post("v1/jobs/:job_id/actions") { request, context in try await act(request, context) }
    }

    private func act(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        let role = try support.authorize(request, [.admin])
        let jobID = try context.pathParameter("job_id")
        let body = try await support.decode(ActionBody.self, from: request)
        if let problem = OperatorAccountability.problem(operatorName: body.operatorName, reason: body.reason) {
            throw Problem.badRequest(problem)
        }
        let action = OperatorAction(operatorName: body.operatorName, action: body.action, reason: body.reason)
        let command: JobCommand
        switch body.action {
        case "resolve_completed": command = .resolveCompleted(action, outputs: body.outputs ?? .null)
        case "resolve_failed": command = .resolveFailed(action)
        case "poll", "notify", "reevaluate":
            if let background = services.background {
                return try await redrive(jobID, body, background)
            }
            guard body.action == "reevaluate" else {
                throw Problem(.conflict, "Conflict", detail: "\(body.action) needs the background services, which this server runs without")
            }
            command = .reevaluate(action)
        default:
            throw Problem.badRequest("action must be poll, notify, reevaluate, resolve_completed or resolve_failed")
        }
        let outcome = try await support.write { () async throws(StoreError) in
            try await services.commands.execute(.job(jobID: jobID, command: command, metadata: support.metadata(request, role: role)))
        }
        guard let state = outcome.state else { preconditionFailure("a job command always returns the job's state") }
        return Response.json(JobSnapshot(state))
    }

    /// `poll`, `notify`, `reevaluate`: the same re-drive as `ledger redrive <job_id>`.
    private func redrive(_ jobID: String, _ body: ActionBody, _ background: any BackgroundActions) async throws -> Response {
        guard try await support.call({ () async throws(StoreError) in try await services.jobs.job(jobID) }) != nil else {
            throw Problem.notFound("no job \(jobID)")
        }
        let answer = try await support.write { () async throws(StoreError) in
            try await background.redrive(jobID: jobID, action: body.action, operatorName: body.operatorName, reason: body.reason)
        }
        if case .notApplicable(let why) = answer { throw Problem(.conflict, "Conflict", detail: why) }
        guard let state = try await support.call({ () async throws(StoreError) in try await services.jobs.job(jobID) }) else {
            throw Problem.notFound("no job \(jobID)")
        }
        return Response.json(JobSnapshot(state))
    }
}
