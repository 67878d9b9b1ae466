import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// Proofs a third party checks with only the verifier key (docs/proofs.md):
/// the newest signed checkpoint, and a job's events proven against it. A
/// read never signs: `serve`'s checkpoint service writes checkpoints.
struct ProofRoutes: Sendable {
    let services: LedgerServices
    var support: RequestSupport { RequestSupport(services: services) }

    func add(to router: Router<LedgerRequestContext>) {
        router.get("v1/checkpoint") { request, _ in try await checkpoint(request) }
        router.get("v1/jobs/:job_id/proof") { request, context in try await proof(request, context) }
    }

    /// The newest checkpoint note, as `text/plain` (C2SP signed note).
    private func checkpoint(_ request: Request) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let note = try await support.call { () async throws(StoreError) in try await services.store.newestCheckpoint() }
        guard let note else { throw Self.noCheckpoint }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: note)))
    }

    /// Every event of the job proven against the newest checkpoint; events
    /// after it are listed in `not_yet_checkpointed`.
    private func proof(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let jobID = try context.parameters.require("job_id")
        let store = services.store
        guard let note = try await support.call({ () async throws(StoreError) in try await store.newestCheckpoint() }) else {
            throw Self.noCheckpoint
        }
        let bundle: InclusionBundle
        do {
            bundle = try await LogProofs(store).proveJob(jobID, against: note)
        } catch ProofFailure.unknownJob {
            throw Problem.notFound("no job \(jobID)")
        } catch let error as StoreError {
            throw Problem(error)
        }
        let body = try JSONEncoder.proofs.encode(bundle)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let noCheckpoint = Problem.notFound(
        "no checkpoint has been written yet: serve writes one every LEDGER_CHECKPOINT_INTERVAL when LEDGER_CHECKPOINT_KEY is set")
}
