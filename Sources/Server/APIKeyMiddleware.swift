import Hummingbird

/// Lets in only requests that carry `Authorization: Bearer KEY` (as vLLM's and llama.cpp's
/// `--api-key`); `GET /health` stays open for load balancers. A missing or wrong key gets 401 in
/// OpenAI's error shape. The key is compared in constant time, so response timing does not
/// reveal how much of a guess was right.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    let key: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/health" { return try await next(request, context) }
        let given = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? Array($0.utf8.dropFirst(7)) : nil }
        guard let given, Self.constantTimeEqual(given, key) else {
            return errorResponse(APIError(status: .unauthorized,
                                          message: given == nil ? "Missing API key: send it as 'Authorization: Bearer KEY'."
                                                                : "Incorrect API key provided.",
                                          code: "invalid_api_key"))
        }
        return try await next(request, context)
    }

    /// Equal bytes, in time that depends only on the lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1   // not count ^ count truncated: lengths 256 apart would pass
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
