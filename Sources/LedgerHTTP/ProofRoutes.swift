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
        let note = try await support.call { () async throws(StoreError) in try await services.proofs.newestCheckpoint() }
        guard let note else { throw Problem(ProofFailure.noCheckpoint) }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: note)))
    }

    /// Every event of the job proven against the newest checkpoint; events
    /// after it are listed in `not_yet_checkpointed`.
    private func proof(_ request: Request, _ context: LedgerRequestContext) async throws -> Response {
        _ = try support.authorize(request, Set(Role.allCases))
        let jobID = try context.pathParameter("job_id")
        let bundle: InclusionBundle
        do {
            let proofs = LogProofs(services.proofs)
            bundle = try await proofs.proveJob(jobID, against: try await proofs.newestCheckpoint(signer: nil, origin: nil))
        } catch let failure as ProofFailure {
            throw Problem(failure)
        } catch let error as StoreError {
            throw Problem(error)
        }
        let body = try JSONEncoder.proofs.encode(bundle)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

}

extension Problem {
    /// What a proof could not be made for, as the API answers it: what is not
    /// there is a 404; a kept checkpoint this log no longer extends (a restore
    /// from an older backup, another log's file) needs its operator: 500.
    init(_ failure: ProofFailure) {
        switch failure {
        case .noCheckpoint:
            self = .notFound("no checkpoint has been written yet: serve writes one every LEDGER_CHECKPOINT_INTERVAL when LEDGER_CHECKPOINT_KEY is set")
        case .unknownJob(let jobID): self = .notFound("no job \(jobID)")
        case .noEvent: self = .notFound(failure.description)
        case .notExtended, .unreadable: self = Problem(.internalServerError, "Checkpoint does not match the log", detail: failure.description)
        }
    }
}
