import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerTesting
import Testing

/// Every route of docs/http-api.md's table against every kind of caller: no
/// key or an unknown key is 401, a key whose role the table does not name is
/// 403, and a role it names is let through (whatever the answer then is).
/// The table is read from the page, so the page and the server cannot drift.
@Suite struct RoleMatrixTests {
    struct Route: CustomStringConvertible {
        var method: HTTPRequest.Method
        var path: String
        var roles: Set<String>
        var description: String { "\(method) \(path) (\(roles.sorted().joined(separator: ", ")))" }
    }

    /// The `/v1` rows of the page's route table whose role column names keys.
    static func documentedRoutes() throws -> [Route] {
        let page = try String(contentsOf: OpenAPIConformanceTests.root.appendingPathComponent("docs/http-api.md"), encoding: .utf8)
        return page.split(separator: "\n").compactMap { line -> Route? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, cells[0].hasPrefix("`"), cells[0].contains(" /v1/") else { return nil }
            let route = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, !cells[1].contains("signature") else { return nil }
            let path = parts[1].split(separator: "?").first.map(String.init)!.split(separator: "[").first.map(String.init)!
                .replacingOccurrences(of: "{id}", with: "j1").replacingOccurrences(of: "{account}", with: "acct_1")
            let roles = cells[1] == "any" ? ["app", "admin", "auditor"] : cells[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return Route(method: HTTPRequest.Method(rawValue: parts[0])!, path: path, roles: Set(roles))
        }
    }

    static let keys = ["app": "app-key-0123456789abcdef", "admin": "admin-key-0123456789abcdef", "auditor": "auditor-key-0123456789abcd"]

    @Test func everyDocumentedRouteLetsInTheRolesItNamesAndNoOther() async throws {
        let routes = try Self.documentedRoutes()
        #expect(routes.count >= 12, "the table was read: \(routes)")
        #expect(Set(routes.flatMap(\.roles)) == ["app", "admin", "auditor"])
        try await JobRoutesTests().withApp { client, store in
            _ = try await store.execute(Fixtures.register("j1", cost: 10, account: "acct_1"))
            for route in routes {
                for (caller, key) in [("none", nil), ("unknown", "not-a-key-0123456789abcdef")] + Self.keys.map({ ($0.key, Optional($0.value)) }) {
                    let status = try await client.execute(uri: route.path, method: route.method, headers: JobRoutesTests.headers(key),
                                                          body: ByteBuffer(string: "{}")) { $0.status }
                    let expected: String = switch caller {
                    case "none", "unknown": "401"
                    default: route.roles.contains(caller) ? "let through" : "403"
                    }
                    let got = status == .unauthorized ? "401" : status == .forbidden ? "403" : "let through"
                    #expect(got == expected, "\(route) as \(caller): \(status)")
                }
            }
        }
    }
}
