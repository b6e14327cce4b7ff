/// One choice of a whole (non-streamed) answer.
struct CompletionChoice: Encodable, Sendable {
    enum Output: Sendable {
        /// Chat: `"message": {"role": "assistant", "content": …}`.
        case message(String)
        /// Legacy completions: `"text": …`.
        case text(String)
    }

    let index: Int
    let finishReason: String
    /// Null when the request did not ask for log-probs.
    let logprobs: ChoiceLogprobs?
    let output: Output

    enum CodingKeys: String, CodingKey { case index, finishReason = "finish_reason", logprobs, message, text }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(finishReason, forKey: .finishReason)
        try container.encode(logprobs, forKey: .logprobs)   // nil is written as null
        switch output {
        case .message(let content): try container.encode(["role": "assistant", "content": content], forKey: .message)
        case .text(let text): try container.encode(text, forKey: .text)
        }
    }
}
