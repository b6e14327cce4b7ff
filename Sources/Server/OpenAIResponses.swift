import Foundation
import Generation

/// Builds OpenAI's responses, chunks and log-probs for one request as typed values (docs/formats.md
/// §5.3); every chunk and the response share the request's id and creation time.
struct OpenAIResponses: Sendable {
    let model: ServedModel
    let request: CompletionRequest
    let id: String
    let created: Int

    init(model: ServedModel, request: CompletionRequest) {
        self.model = model
        self.request = request
        self.id = (request.endpoint == .chat ? "chatcmpl-" : "cmpl-") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        self.created = Int(Date().timeIntervalSince1970)
    }

    var object: String { request.endpoint == .chat ? "chat.completion" : "text_completion" }
    var chunkObject: String { request.endpoint == .chat ? "chat.completion.chunk" : "text_completion" }

    /// The whole (non-streamed) response.
    func completion(promptTokens: Int, samples: [GeneratedSample]) -> CompletionResponse {
        let choices = samples.enumerated().map { index, sample in
            CompletionChoice(index: index, finishReason: sample.finishReason.rawValue,
                             logprobs: request.logprobs ? logprobs(sample) : nil,
                             output: request.endpoint == .chat ? .message(sample.text) : .text(sample.text))
        }
        return CompletionResponse(id: id, object: object, created: created, model: model.id, systemFingerprint: fingerprint,
                                  choices: choices, usage: Usage(promptTokens: promptTokens, samples: samples))
    }

    /// One streamed chunk for one choice. `text` nil with a finish reason closes the choice.
    func chunk(choice: Int, text: String?, role: Bool = false, finishReason: String? = nil, logprobs: ChoiceLogprobs? = nil)
        -> CompletionChunk {
        let output: ChunkChoice.Output = switch request.endpoint {
        case .chat: .delta(role: role ? "assistant" : nil, content: text)
        case .text: .text(text ?? "")
        }
        return chunk(choices: [ChunkChoice(index: choice, finishReason: finishReason, logprobs: logprobs, output: output)], usage: nil)
    }

    /// The final usage chunk (empty `choices`), sent with `stream_options.include_usage`.
    func usageChunk(promptTokens: Int, samples: [GeneratedSample]) -> CompletionChunk {
        chunk(choices: [], usage: Usage(promptTokens: promptTokens, samples: samples))
    }

    private func chunk(choices: [ChunkChoice], usage: Usage?) -> CompletionChunk {
        CompletionChunk(id: id, object: chunkObject, created: created, model: model.id, systemFingerprint: fingerprint,
                        choices: choices, usage: usage)
    }

    /// Log-probs of one whole choice.
    func logprobs(_ sample: GeneratedSample) -> ChoiceLogprobs {
        logprobs(ids: sample.ids, logprobs: sample.logprobs, top: sample.topLogprobs).logprobs
    }

    /// Log-probs of a run of tokens (a streamed chunk's, or a whole choice's); legacy text offsets
    /// start at `textOffset` (UTF-16 units into the choice's text) and `nextOffset` continues them.
    func logprobs(ids: [Int], logprobs values: [Float], top: [[(id: Int, logprob: Float)]], textOffset: Int = 0)
        -> (logprobs: ChoiceLogprobs, nextOffset: Int) {
        let texts = ids.map(model.text(ofToken:))
        var offsets: [Int] = [], offset = textOffset
        for text in texts { offsets.append(offset); offset += text.utf16.count }
        switch request.endpoint {
        case .chat:
            let content = ids.indices.map { t in
                let alternatives = (t < top.count ? top[t] : []).map { alt in
                    let text = model.text(ofToken: alt.id)
                    return TokenLogprob.Alternative(token: text, logprob: Double(alt.logprob), bytes: Array(text.utf8))
                }
                return TokenLogprob(token: texts[t], logprob: Double(values[t]), bytes: Array(texts[t].utf8), topLogprobs: alternatives)
            }
            return (.chat(content), offset)
        case .text:
            let alternatives = ids.indices.map { t -> [String: Double]? in
                guard t < top.count else { return nil }
                var map: [String: Double] = [:]
                for alt in top[t] { map[model.text(ofToken: alt.id)] = Double(alt.logprob) }
                return map
            }
            return (.legacy(LegacyLogprobs(tokens: texts, tokenLogprobs: values.map(Double.init), topLogprobs: alternatives,
                                           textOffset: offsets)), offset)
        }
    }

    private var fingerprint: String { "divtune-" + model.id }
}
