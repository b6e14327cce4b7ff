import Foundation

/// The server's request-body decoding on its own, without a model: parses a `/v1/chat/completions`
/// (`chat`) or `/v1/completions` body and validates every field as ``OpenAIServer`` does, throwing
/// the 400 error a client would receive, under `limits` for a model of `contextLength` tokens. The
/// fuzz target FuzzServerRequest drives it (docs/fuzzing.md).
public enum RequestBodyCheck {
    public static func validate(body: Data, chat: Bool, limits: RequestLimits = RequestLimits(), contextLength: Int = 8192) throws {
        _ = try CompletionRequest(endpoint: chat ? .chat : .text, fields: FieldReader.parse(body: body),
                                  limits: limits, contextLength: contextLength)
    }
}
