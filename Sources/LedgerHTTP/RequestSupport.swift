import Foundation
import Hummingbird
import LedgerCore
import LedgerStore
import NIOCore
import Synchronization

/// Authentication, body reading and decoding shared by the routes.
struct RequestSupport: Sendable {
    let services: LedgerServices

    /// The caller's role; 401 without a known key, 403 for a role not allowed,
    /// then 400 for a query parameter the route does not read (`query`): a
    /// typo such as `?state=failed` for `?status=failed` would otherwise be
    /// dropped and answer every job, as a body's unknown field is refused.
    func authorize(_ request: Request, _ allowed: Set<Role>, query: Set<String> = []) throws -> Role {
        guard let key = Self.bearerKey(request), let role = services.keys.role(of: key) else {
            throw Problem(.unauthorized, "Unauthorized",
                          detail: "send Authorization: Bearer <key> with a key from LEDGER_KEYS")
        }
        guard allowed.contains(role) else {
            let roles = allowed.map(\.rawValue).sorted().joined(separator: " or ")
            throw Problem(.forbidden, "Forbidden", detail: "this needs the \(roles) role; your key has \(role.rawValue)")
        }
        if let unknown = request.uri.queryParameters.first(where: { !query.contains(String($0.key)) }) {
            let reads = query.isEmpty ? "none" : query.sorted().joined(separator: ", ")
            throw Problem.badRequest("this route reads no query parameter \(String(unknown.key.prefix(100)).debugDescription) "
                                     + "(it reads: \(reads))")
        }
        return role
    }

    /// 401 for a request with a body that carries no key this node knows,
    /// or nil; judged before its body is read, and the connection closed
    /// (the body unread). Only two kinds of route take a body without a key:
    /// webhooks (a provider signs its body) and the admin pages' forms (a
    /// session, or the login form's key); any other path (an unknown one
    /// too: a 404 came only after the body was read) needs the key first.
    static func unknownKeyProblem(_ request: Request, keys: APIKeys) -> Problem? {
        let path = request.uri.path
        guard !path.hasPrefix("/v1/webhooks/"), !path.hasPrefix("/admin/"), path != "/admin" else { return nil }
        if let key = bearerKey(request), keys.role(of: key) != nil { return nil }
        return Problem(.unauthorized, "Unauthorized", detail: "send Authorization: Bearer <key> with a key from LEDGER_KEYS",
                       closesConnection: true)
    }

    /// The key of an `Authorization: Bearer <key>` header. The scheme's name is
    /// case-insensitive (RFC 9110, 11.1): some clients send `bearer`.
    static func bearerKey(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }

    /// The body, read in full before routing by `BodyReadMiddleware` (within
    /// the read timeout and the size limit), so collecting it does not wait.
    func body(_ request: Request) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: services.requestBodyBytesMax)
        return Data(buffer.readableBytesView)
    }

    /// `work`'s result, or nil once `timeout` passes first. The loser is
    /// cancelled and not waited for: a read blocked on a silent client must
    /// not hold the answer back (a task group would wait for it).
    static func race<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async throws -> T) async -> Result<T?, any Error> {
        let race = Race()
        return await withCheckedContinuation { continuation in
            let worker = Task {
                let result: Result<T?, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                if race.claim() {
                    race.cancelTimer()
                    continuation.resume(returning: result)
                }
            }
            race.setTimer(Task {
                try? await Task.sleep(for: timeout)
                if race.claim() {
                    worker.cancel()
                    continuation.resume(returning: .success(nil))
                }
            })
        }
    }

    /// A JSON body decoded as `T`; 400 naming the field at fault.
    func decode<T: APIBody>(_ type: T.Type, from request: Request) async throws -> T {
        let data = try await body(request)
        // One scan of the top-level keys: Foundation would keep the first of a key named
        // twice, most readers the last, so the API refuses it; and a key the body does not read.
        let keys = JSONParser.topLevelKeys(in: String(decoding: data, as: UTF8.self))
        var seen = Set<String>()
        if let twice = keys.first(where: { !seen.insert($0).inserted }) {
            throw Problem.badRequest("the body names a field twice (\(twice.prefix(100)))")
        }
        if let unknown = T.unknownField(in: keys) { throw Problem.badRequest(unknown) }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            // Foundation reports a number that does not fit its field (a cost
            // past 64 bits, a fraction) as "not valid JSON": tell them apart.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               JSONValue(jsonText: String(decoding: data, as: UTF8.self)) != nil {
                throw Problem.badRequest("a number in the body does not fit its field (whole numbers from -2^63 to 2^63-1)")
            }
            throw Problem.badRequest(error.plainDescription(of: "the body"))
        } catch {
            throw Problem.badRequest("the body is not JSON")
        }
    }

    /// Who sent it, for the event's metadata: the role and the request id.
    func metadata(_ request: Request, role: Role) -> EventMetadata {
        let requestID = request.headers[.init("x-request-id") ?? .accept] ?? UUID().uuidString.lowercased()
        return EventMetadata(actor: role.rawValue, source: "http", correlationID: String(requestID.prefix(100)))
    }

    /// Runs a store read, mapping its errors to problems.
    func call<T>(_ body: () async throws(StoreError) -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            noteStorageFailure(error)
            throw Problem(error)
        }
    }

    /// Runs a store write: timed, and telling readiness whether storage works.
    func write<T>(_ body: () async throws(StoreError) -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let result = try await body()
            services.metrics.appended(after: ContinuousClock.now - started)
            services.readiness.storageSucceeded()
            return result
        } catch {
            noteStorageFailure(error)
            throw Problem(error)
        }
    }

    private func noteStorageFailure(_ error: StoreError) {
        switch error {
        case .storageUnavailable, .storageRefused: break
        default:
            guard error.needsOperator else { return }
            services.metrics.storageFailed()
            services.readiness.storageFailed(error.description, lasting: true)
            return
        }
        // Not ready until a write or the readiness probe succeeds again (a grant restored).
        services.metrics.storageFailed()
        services.readiness.storageFailed(error.description)
    }

}

/// Who won a ``RequestSupport/race(_:_:)``, and the timer to cancel when the work wins.
private final class Race: Sendable {
    private let state = Mutex<(settled: Bool, timer: Task<Void, Never>?)>((false, nil))

    /// True for the first caller only.
    func claim() -> Bool {
        state.withLock { state in
            defer { state.settled = true }
            return !state.settled
        }
    }

    func setTimer(_ timer: Task<Void, Never>) {
        // The work may already have won: then the timer is not needed at all.
        let settled = state.withLock { state in
            state.timer = timer
            return state.settled
        }
        if settled { timer.cancel() }
    }

    func cancelTimer() {
        state.withLock { $0.timer }?.cancel()
    }
}
