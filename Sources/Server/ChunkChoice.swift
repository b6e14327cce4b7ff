/// The one choice of a streamed chunk: new text of that choice, or its closing finish reason.
struct ChunkChoice: Encodable, Sendable {
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
