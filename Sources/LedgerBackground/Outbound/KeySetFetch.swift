import Foundation
import LedgerProviders

extension JWKSKeyring {
    /// A key set at `url`, fetched with `outbound` (its safety rules: no
    /// redirects, no private addresses unless allowed, 1 MiB at most).
    public static func fetched(from url: String, with outbound: OutboundClient) -> JWKSKeyring {
        JWKSKeyring(source: url) {
            let response = try await outbound.send(OutboundRequest(method: .GET, url: url, headers: [("accept", "application/json")]))
            guard response.status == 200 else { throw OutboundError.transport("\(url) answered \(response.status)") }
            return response.body
        }
    }
}
