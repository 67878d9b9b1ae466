import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerHTTP
import LedgerStore
import LedgerTesting
import Testing

/// What Schemas/openapi.yaml promises at its edges: a method a path does not
/// answer is 405 with `Allow`, any base64url text is a cursor (empty: the first page), `as_of`
/// with `position` cuts the history at whichever comes first, and a number
/// that does not fit is named as such (Foundation calls it "not valid JSON").
@Suite struct DocumentAgreementTests {
    let routes = JobRoutesTests()

    @Test func aMethodAPathDoesNotAnswerIs405WithAllow() async throws {
        try await routes.withApp { client, _ in
            for (uri, method, allow) in [("/v1/jobs", HTTPRequest.Method.trace, "GET, HEAD, POST"), ("/v1/jobs/j1", .delete, "GET, HEAD"),
                                         ("/healthz", .post, "GET, HEAD"), ("/v1/jobs/j1/cancel", .get, "POST")] {
                try await client.execute(uri: uri, method: method, headers: JobRoutesTests.app) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                    #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                }
            }
            try await client.execute(uri: "/healthz", method: .head) { #expect($0.status == .ok) }
            try await client.execute(uri: "/nowhere", method: .trace) { #expect($0.status == .notFound) }
        }
    }

    @Test func theEdgesOfTheQueryParameters() async throws {
        try await routes.withApp { client, store in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: JobRoutesTests.app,
                                     body: ByteBuffer(string: JobRoutesTests.registration)) { #expect($0.status == .created) }
            try await client.execute(uri: "/v1/jobs/j1/cancel", method: .post, headers: JobRoutesTests.app,
                                     body: ByteBuffer(string: #"{"reason":"user"}"#)) { #expect($0.status == .ok) }
            // Empty is the first page; a cursor names a job (padded as cursors once were, too); base64url text
            // naming no job was damaged on its way and is refused rather than ending the listing.
            for (cursor, status) in [("", HTTPResponse.Status.ok), ("ajE", .ok), ("ajE=", .ok),
                                     ("A", .badRequest), ("____", .badRequest), ("8J-Ygg", .badRequest)] {
                try await client.execute(uri: "/v1/jobs?cursor=\(cursor)", method: .get, headers: JobRoutesTests.app) { response in
                    #expect(response.status == status, "\(cursor)")
                    #expect((JobRoutesTests.json(response)?["jobs"] != nil) == (status == .ok))
                }
            }
            try await client.execute(uri: "/v1/jobs/j1/state", method: .get, headers: JobRoutesTests.app) { response in
                #expect(JobRoutesTests.json(response)?["status"] == .string("cancelled"), "neither limit: the job now")
            }
            let events = try await store.events(inStream: "job-j1")
            let first = try #require(events.first)
            let later = "2100-01-01T00:00:00Z"
            try await client.execute(uri: "/v1/jobs/j1/state?as_of=\(later)&position=\(first.position)", method: .get,
                                     headers: JobRoutesTests.app) { response in
                #expect(response.status == .ok)
                #expect(JobRoutesTests.json(response)?["status"] == .string("registered"), "the position comes first")
            }
            try await client.execute(uri: "/v1/jobs/j1/state?as_of=2000-01-01T00:00:00Z&position=\(events.last!.position)", method: .get,
                                     headers: JobRoutesTests.app) { #expect($0.status == .notFound, "the time comes first") }
            try await client.execute(uri: "/v1/jobs/j1?wait=soon", method: .get, headers: JobRoutesTests.app) { #expect($0.status == .badRequest) }
        }
    }

    @Test func aNumberThatDoesNotFitIsNamedAsSuch() async throws {
        try await routes.withApp { client, store in
            for cost in ["100000000000000000000", "1.5"] {
                let body = JobRoutesTests.registration.replacingOccurrences(of: "\"cost\":30", with: "\"cost\":\(cost)")
                try await client.execute(uri: "/v1/jobs", method: .post, headers: JobRoutesTests.app, body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    let detail = JobRoutesTests.json(response)?["detail"]?.stringValue ?? ""
                    #expect(detail.contains("does not fit"), "\(cost): \(detail)")
                }
            }
            try await client.execute(uri: "/v1/jobs", method: .post, headers: JobRoutesTests.app, body: ByteBuffer(string: "{\"cost\":")) {
                #expect(JobRoutesTests.json($0)?["detail"]?.stringValue?.contains("not valid JSON") == true)
            }
            #expect(try await store.head().position == 0, "nothing appended")
        }
    }
}
