import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// `/v1/jobs`: registration, submission, cancellation, the job and its events.
struct JobRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    struct RegisterBody: APIBody {
        var jobID: String
        var account: String
        var provider: String
        var operation: String
        var cost: Int64
        var externalID: String?
        var metadata: JSONValue?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case jobID = "job_id", account, provider, operation, cost, externalID = "external_id", metadata
        }
    }

    struct SubmittedBody: APIBody {
        var externalID: String
        enum CodingKeys: String, CodingKey, CaseIterable { case externalID = "external_id" }
    }

    struct CancelBody: APIBody {
        var reason: String
        enum CodingKeys: String, CodingKey, CaseIterable { case reason }
    }

    func add(to router: Router<LedgerRequestContext>) {
        let jobs = router.group("v1/jobs")
        jobs.post { request, _ in try await register(request) }
        jobs.get { request, _ in try await list(request) }
        jobs.get(":job_id") { request, context in try await job(request, context) }
        jobs.get(":job_id/events") { request, context in try await events(request, context) }
        jobs.post(":job_id/submitted") { request, context in try await submitted(request, context) }
        jobs.post(":job_id/cancel") { request, context in try await cancel(request, context) }
    }

    /// 201 for a new job, 200 for the identical registration again, 409 for another one.
    private func register(_ request: Request) async throws -> Response {
        let role = try support.authorize(request, [.app, .admin])
        let body = try await support.decode(RegisterBody.self, from: request)
        guard services.providers.profile(named: body.provider) != nil else {
            let known = services.providers.profiles.keys.sorted().joined(separator: ", ")
            throw Problem(.notFound, "Not Found", detail: "no provider \(String(body.provider.prefix(100)).debugDescription) is built in or "
                          + "configured (\(known)): its webhooks could never reach this job")
        }
        let registration = JobRegistered(jobID: body.jobID, account: body.account, provider: body.provider,
                                         operation: body.operation, cost: body.cost, externalID: body.externalID,
                                         metadata: body.metadata ?? .object([:]))
        let request = LedgerRequest.job(jobID: body.jobID, command: .register(registration),
                                        metadata: support.metadata(request, role: role))
        let outcome = try await support.write { () async throws(StoreError) in try await services.commands.execute(request) }
        return try jobResponse(outcome, status: outcome.alreadyExisted ? .ok : .created)
    }

    /// `?status=&provider=&account=&limit=&cursor=`: a page of jobs and an opaque cursor to the next.
    private func list(_ request: Request) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases), query: ["status", "provider", "account", "limit", "cursor"])
        let query = request.uri.queryParameters
        var filter = JobFilter(provider: query.get("provider"), account: query.get("account"))
        if let status = query.get("status") {
            guard let parsed = JobStatus(rawValue: status) else {
                throw Problem.badRequest("status must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.status = parsed
        }
        let limitText = query.get("limit") ?? "100"
        guard let limit = Int(limitText), (1...JobFilter.pageSizeMax).contains(limit) else {
            throw Problem.badRequest("limit must be 1 to \(JobFilter.pageSizeMax)")
        }
        // An empty cursor is the first page, as if none were given.
        let after = try query.get("cursor").flatMap { $0.isEmpty ? nil : $0 }.map(Self.decodeCursor)
        // A cursor names a job this API listed, and jobs are never removed: one naming no job
        // was damaged on its way (cut, mistyped) and would skip or end the listing in silence.
        if let after, try await support.call({ () async throws(StoreError) in try await services.jobs.job(after) }) == nil {
            throw Self.foreignCursor
        }
        let page = try await support.call { () async throws(StoreError) in
            try await services.jobs.jobPage(filter, after: after, limit: limit)
        }
        return Response.json(Page(plural: "jobs", items: page.jobs.map(JobSnapshot.init), nextCursor: page.nextAfter.map(Self.encodeCursor)))
    }

    /// The longest a `?wait=` holds a request: proxies close idle requests
    /// after about a minute, so a longer wait is cut, not refused.
    static let waitMillisecondsMax: Int64 = 60_000

    /// How long `?wait=text` holds the request, or nil when `text` is no duration.
    static func waitMilliseconds(_ text: String) -> Int64? {
        DurationText.milliseconds(text).map { min($0, waitMillisecondsMax) }
    }

    /// The cursor is opaque to clients: base64url of the last job id seen.
    static func encodeCursor(_ jobID: String) -> String { Base64URL.encode(Data(jobID.utf8)) }

    static let foreignCursor = Problem.badRequest("cursor is not one this API returned; start again without it")

    /// The job id a cursor holds: base64url text up to 400 characters (the
    /// list then checks that it names a job).
    static func decodeCursor(_ cursor: String) throws -> String {
        guard cursor.utf8.count <= 400, cursor.utf8.allSatisfy(Self.isBase64URL) else { throw foreignCursor }
        // Cursors written before they dropped their `=` padding still work (decode ignores it).
        var text = cursor.replacingOccurrences(of: "=", with: "")
        if text.count % 4 == 1 { text.removeLast() }  // a lone trailing character holds no whole byte
        return String(decoding: Base64URL.decode(text) ?? Data(), as: UTF8.self)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "="): true
        default: false
        }
    }

    /// The job; with `?wait=30s` the answer waits until the job changes or the
    /// time is up, so frontends need not poll every few seconds. A longer wait
    /// than 60 s is cut to 60 s (proxies close idle requests around then).
    private func job(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases), query: ["wait"])
        let jobID = try context.pathParameter("job_id")
        guard var state = try await support.call({ () async throws(StoreError) in try await services.jobs.job(jobID) }) else {
            throw Problem.notFound("no job \(jobID); register it with POST /v1/jobs")
        }
        if let wait = request.uri.queryParameters.get("wait") {
            guard let milliseconds = Self.waitMilliseconds(wait) else {
                throw Problem.badRequest("wait must be a duration like 500ms or 30s (at most 60s is waited)")
            }
            state = try await services.metrics.holdingLongPoll {
                try await support.call { () async throws(StoreError) in
                    try await services.changes.jobAfterChange(jobID, timeout: .milliseconds(milliseconds))
                }
            } ?? state
        }
        return Response.json(JobSnapshot(state))
    }

    private func events(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let jobID = try context.pathParameter("job_id")
        let stored = try await support.call { () async throws(StoreError) in
            try await services.log.events(inStream: StreamName.job(jobID))
        }
        guard !stored.isEmpty else { throw Problem.notFound("no job \(jobID)") }
        return Response.json(Page(plural: "events", items: stored.map(EventResource.init), nextCursor: nil))
    }

    private func submitted(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        try await jobCommand(request, context, SubmittedBody.self) { .submit(externalID: $0.externalID) }
    }

    private func cancel(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        try await jobCommand(request, context, CancelBody.self) { .cancel(reason: $0.reason) }
    }

    /// An app's command on the job of the path, made from the request's body.
    private func jobCommand<Body: APIBody>(_ request: Request, _ context: LedgerRequestContext, _ body: Body.Type,
                                             _ make: (Body) -> JobCommand) async throws -> Response {
        let role = try support.authorize(request, [.app, .admin])
        let jobID = try context.pathParameter("job_id")
        let decoded = try await support.decode(Body.self, from: request)
        let command = LedgerRequest.job(jobID: jobID, command: make(decoded), metadata: support.metadata(request, role: role))
        return try jobResponse(try await support.write { () async throws(StoreError) in try await services.commands.execute(command) })
    }

    private func jobResponse(_ outcome: LedgerOutcome, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let state = outcome.state else { preconditionFailure("a job command always returns the job's state") }
        return Response.json(JobSnapshot(state), status: status)
    }
}
