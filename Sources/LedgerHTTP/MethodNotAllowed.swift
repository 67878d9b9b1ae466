import Hummingbird

/// A known path asked with a method it does not answer gets 405 with `Allow`
/// (not 404: the resource exists). Added last, this middleware sees only the
/// requests the router found no route for; the paths and their methods come
/// from the routes registered, so a new route needs nothing here.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext

    /// Each route's path as segments, with its methods.
    private let paths: [(segments: [Substring], methods: [String])]

    init(routes: [Router<LedgerRequestContext>.RouteDescription]) {
        let byPath = Dictionary(grouping: routes, by: { $0.path.description })
        paths = byPath.map { path, routes in
            var methods = Set(routes.map(\.method.rawValue))
            if methods.contains("GET") { methods.insert("HEAD") }  // the router answers HEAD wherever GET is
            return (path.split(separator: "/"), methods.sorted())
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segments = request.uri.path.split(separator: "/")
        guard let match = paths.first(where: { Self.matches($0.segments, segments) }) else {
            return try await next(request, context)
        }
        throw Problem(.methodNotAllowed, "Method not allowed", detail: "this path answers \(match.methods.joined(separator: ", "))",
                      allow: match.methods)
    }

    /// `:name` or `{name}`: a parameter, matching any one segment.
    private static func isCapture(_ segment: Substring) -> Bool {
        segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}"))
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { isCapture($0) || $0 == $1 }
    }
}
