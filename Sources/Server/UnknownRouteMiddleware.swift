import Hummingbird

/// Answers a path the server does not serve with 404 in OpenAI's error shape (naming the method
/// and path) instead of an empty body, so clients print something useful.
struct UnknownRouteMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return errorResponse(APIError(status: .notFound, message: "No route \(request.method) \(request.uri.path); this server "
                                          + "serves /v1/chat/completions, /v1/completions, /v1/models and /health.",
                                          code: "not_found"))
        }
    }
}
