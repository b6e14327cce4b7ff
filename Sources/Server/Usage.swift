import Generation

/// Token counts of one request, OpenAI's `usage` object.
struct Usage: Encodable, Sendable {
    let promptTokens: Int
    let completionTokens: Int
    let totalTokens: Int

    init(promptTokens: Int, samples: [GeneratedSample]) {
        let completion = samples.reduce(0) { $0 + $1.ids.count }
        self.promptTokens = promptTokens
        self.completionTokens = completion
        self.totalTokens = promptTokens + completion
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}
