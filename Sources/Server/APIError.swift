import Hummingbird

/// An error answered in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
public struct APIError: Error, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(status: HTTPResponse.Status, message: String, type: String = "invalid_request_error",
                param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var description: String { message }

    /// 400 for a field with the wrong type or an out-of-range value; the message names the field.
    static func invalid(_ field: String, _ reason: String) -> APIError {
        APIError(status: .badRequest, message: "'\(field)': \(reason)", param: field, code: "invalid_value")
    }

    static func unknownModel(_ name: String, available: [String]) -> APIError {
        APIError(status: .notFound, message: "The model '\(name)' does not exist; this server serves \(available.map { "'\($0)'" }.joined(separator: ", ")).",
                 param: "model", code: "model_not_found")
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(status: .contentTooLarge, message: "The request body exceeds the server's limit of \(limit) bytes.",
                 code: "request_too_large")
    }

    static func queueFull(limit: Int) -> APIError {
        APIError(status: .serviceUnavailable, message: "The server is busy: \(limit) requests are already waiting. Retry later.",
                 type: "server_error", code: "queue_full")
    }

    /// The response body: `param` and `code` are null when unset.
    var body: ErrorBody { ErrorBody(error: .init(message: message, type: type, param: param, code: code)) }
}

/// OpenAI's error body, `{"error": {"message", "type", "param", "code"}}`.
struct ErrorBody: Encodable, Sendable {
    struct Detail: Encodable, Sendable {
        let message: String
        let type: String
        let param: String?
        let code: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(message, forKey: .message)
            try container.encode(type, forKey: .type)
            try container.encode(param, forKey: .param)   // nil is written as null
            try container.encode(code, forKey: .code)
        }

        enum CodingKeys: String, CodingKey { case message, type, param, code }
    }

    let error: Detail
}
