/// OpenAI's completion object around the choices, the same for a whole answer (`chat.completion`
/// or `text_completion`, with `CompletionChoice`s) and for a streamed chunk (`chat.completion.chunk`
/// or `text_completion`, with one `ChunkChoice`, or none in the final usage chunk).
struct CompletionEnvelope<Choice: Encodable & Sendable>: Encodable, Sendable {
    let id: String
    let object: String
    let created: Int
    let model: String
    let systemFingerprint: String
    let choices: [Choice]
    /// Always in a whole answer; in a stream only in the usage chunk (absent elsewhere).
    let usage: Usage?

    enum CodingKeys: String, CodingKey { case id, object, created, model, systemFingerprint = "system_fingerprint", choices, usage }
}

typealias CompletionResponse = CompletionEnvelope<CompletionChoice>
typealias CompletionChunk = CompletionEnvelope<ChunkChoice>
