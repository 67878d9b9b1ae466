import Foundation
import Hummingbird

extension LedgerRequestContext {
    /// A path parameter as the client meant it, its %-escapes decoded: a job
    /// id may hold `/`, `?` or `#` (registered in a body), which a path can
    /// only carry escaped (`/v1/jobs/a%2Fb` is job `a/b`), as generated
    /// clients and the admin pages' links send them. 400 for a broken escape.
    func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw Problem.badRequest("\(name) in the path has a broken %-escape: \(raw.prefix(100))")
        }
        return decoded
    }
}
