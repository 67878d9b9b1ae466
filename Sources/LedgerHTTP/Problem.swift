import Foundation
import Hummingbird
import LedgerCore
import LedgerStore

/// An error answered as `application/problem+json` (RFC 9457), with a
/// `detail` a person can act on. Only this layer maps errors to statuses.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// The ledger's own summary, for its log (`storage unavailable`, `database unusable`);
    /// the body's `title` is the status's phrase (RFC 9457 §4.2.1: `type` is `about:blank`).
    public var title: String
    public var detail: String
    /// Seconds, for 503: when the client (a provider) should retry.
    public var retryAfterSeconds: Int?
    /// The server closes the connection after this answer (`Connection: close`).
    public var closesConnection: Bool
    /// For 405: the methods the path does answer (`Allow`).
    public var allow: [String]?
    /// Why, for the server's log only (never sent): storage trouble an operator must see.
    public var logReason: String?

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, retryAfterSeconds: Int? = nil,
                closesConnection: Bool = false, allow: [String]? = nil) {
        self.allow = allow
        self.status = status
        self.title = title
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
        self.closesConnection = closesConnection
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = .object([
            "type": .string("about:blank"), "title": .string(status.reasonPhrase), "status": .int(Int64(status.code)),
            "detail": .string(detail),
        ])
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if closesConnection { headers[.connection] = "close" }
        if let allow { headers[.allow] = allow.joined(separator: ", ") }
        // RFC 9110 §11.6.1: a 401 says how to authenticate. A webhook's 401 (a bad
        // signature or token) names the same scheme the API takes; providers ignore it.
        if status == .unauthorized { headers[.wwwAuthenticate] = #"Bearer realm="ledger""# }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body.jsonText)))
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "Bad request", detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "Not Found", detail: detail) }
}

extension Problem {
    /// The answer for a store error, by its meaning: refusals are the client's
    /// to fix (4xx); storage trouble that can pass is 503 with Retry-After (so
    /// providers retry); a database that cannot be used until an operator acts
    /// (damaged, not a ledger, durability not applied) is 500, never "retry later",
    /// with the reason in the server's log, not in the answer.
    init(_ error: StoreError) {
        switch error {
        case .refused(.unknownJob): self = .notFound(error.description)
        case .refused(.invalid): self = .badRequest(error.description)
        case .refused, .externalIDTaken, .idempotencyKeyReused: self = Problem(.conflict, "Conflict", detail: error.description)
        case .wrongExpectedVersion: self = Problem(.conflict, "Conflict", detail: error.description)
        case .invalidRequest: self = .badRequest(error.description)
        case .storageUnavailable, .storageRefused:
            // The database's refusal of the ledger's own write is never the sender's
            // fault: "retry later", so a provider keeps the webhook until an operator acts.
            self = Problem(.serviceUnavailable, "Cannot store right now",
                           detail: "the ledger cannot store this request now; retry later (the same request again is "
                               + "safe: a request is recorded at most once)", retryAfterSeconds: 5)
            logReason = error.description
        case .unexpected, .leaseLost:
            self = Problem(.internalServerError, "Internal error",
                           detail: "the ledger failed unexpectedly; the request may be retried (nothing is answered 2xx unless stored)")
            logReason = error.description
        case .damagedTree:
            self = Problem(.internalServerError, "Proofs unavailable",
                           detail: "the ledger's stored Merkle tree needs its operator (ledger rebuild --tree); everything else works")
            logReason = error.description
        case .corrupt, .durabilityNotApplied, .importRejected, .notALedger, .foreignObjects, .newerLedger, .cannotOpen,
             .cannotConnect:
            self = Problem(.internalServerError, "Database unusable",
                           detail: "the ledger's database cannot be used until its operator acts; the server log says why")
            logReason = error.description
        }
    }
}
