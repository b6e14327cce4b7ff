/// A whole (non-streamed) answer: `chat.completion` or `text_completion`.
struct CompletionResponse: Encodable, Sendable {
    let id: String
    let object: String
    let created: Int
    let model: String
    let systemFingerprint: String
    let choices: [Choice]
    let usage: Usage

    struct Choice: Encodable, Sendable {
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

    enum CodingKeys: String, CodingKey { case id, object, created, model, systemFingerprint = "system_fingerprint", choices, usage }
}
