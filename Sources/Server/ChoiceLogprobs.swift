/// The log-probs of one choice (or of the tokens of one streamed chunk), in the endpoint's shape.
enum ChoiceLogprobs: Encodable, Sendable {
    /// Chat: `{"content": [{token, logprob, bytes, top_logprobs}]}`.
    case chat([TokenLogprob])
    /// Legacy completions: `{tokens, token_logprobs, top_logprobs, text_offset}`.
    case legacy(LegacyLogprobs)

    enum CodingKeys: String, CodingKey { case content }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .chat(let content):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(content, forKey: .content)
        case .legacy(let logprobs):
            try logprobs.encode(to: encoder)
        }
    }
}

/// One token of a chat choice with its most likely alternatives.
struct TokenLogprob: Encodable, Sendable {
    let token: String
    let logprob: Double
    /// The token text's UTF-8 bytes.
    let bytes: [UInt8]
    let topLogprobs: [Alternative]

    /// One of the most likely tokens at a step.
    struct Alternative: Encodable, Sendable {
        let token: String
        let logprob: Double
        let bytes: [UInt8]
    }

    enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }
}

/// The legacy endpoint's log-probs: parallel arrays, the alternatives as token→log-prob maps
/// (null for a step without alternatives) and each token's UTF-16 offset into the choice's text.
struct LegacyLogprobs: Encodable, Sendable {
    let tokens: [String]
    let tokenLogprobs: [Double]
    let topLogprobs: [[String: Double]?]
    let textOffset: [Int]

    enum CodingKeys: String, CodingKey {
        case tokens, tokenLogprobs = "token_logprobs", topLogprobs = "top_logprobs", textOffset = "text_offset"
    }
}
