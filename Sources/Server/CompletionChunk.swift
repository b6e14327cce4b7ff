/// One server-sent event of a streamed answer: `chat.completion.chunk` or `text_completion`, with
/// one choice, or with none and the `usage` (the last chunk, under `stream_options.include_usage`).
struct CompletionChunk: Encodable, Sendable {
    let id: String
    let object: String
    let created: Int
    let model: String
    let systemFingerprint: String
    let choices: [Choice]
    /// Absent except in the usage chunk.
    let usage: Usage?

    struct Choice: Encodable, Sendable {
        enum Output: Sendable {
            /// Chat: `"delta": {"role"?, "content"?}`, each key absent when nil (the closing chunk's delta is `{}`).
            case delta(role: String?, content: String?)
            /// Legacy completions: `"text": …` (empty in the closing chunk).
            case text(String)
        }

        let index: Int
        /// Null until the choice's closing chunk.
        let finishReason: String?
        /// Null when the request did not ask for log-probs.
        let logprobs: ChoiceLogprobs?
        let output: Output

        enum CodingKeys: String, CodingKey { case index, finishReason = "finish_reason", logprobs, delta, text }
        enum DeltaKeys: String, CodingKey { case role, content }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(finishReason, forKey: .finishReason)   // nil is written as null
            try container.encode(logprobs, forKey: .logprobs)
            switch output {
            case let .delta(role, content):
                var delta = container.nestedContainer(keyedBy: DeltaKeys.self, forKey: .delta)
                try delta.encodeIfPresent(role, forKey: .role)
                try delta.encodeIfPresent(content, forKey: .content)
            case .text(let text):
                try container.encode(text, forKey: .text)
            }
        }
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, systemFingerprint = "system_fingerprint", choices, usage }
}
