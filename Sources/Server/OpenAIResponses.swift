import Foundation
import Generation

/// OpenAI's JSON shapes for completions, chunks and log-probs (built as JSON objects, see docs/formats.md §5.3).
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

    func usage(promptTokens: Int, samples: [GeneratedSample]) -> [String: Any] {
        let completion = samples.reduce(0) { $0 + $1.ids.count }
        return ["prompt_tokens": promptTokens, "completion_tokens": completion, "total_tokens": promptTokens + completion]
    }

    /// The whole (non-streamed) response.
    func completion(promptTokens: Int, samples: [GeneratedSample]) -> [String: Any] {
        let choices: [[String: Any]] = samples.enumerated().map { index, sample in
            var choice: [String: Any] = ["index": index, "finish_reason": sample.finishReason.rawValue,
                                         "logprobs": request.logprobs ? logprobs(sample) as Any : NSNull()]
            switch request.endpoint {
            case .chat: choice["message"] = ["role": "assistant", "content": sample.text]
            case .text: choice["text"] = sample.text
            }
            return choice
        }
        return ["id": id, "object": object, "created": created, "model": model.id, "system_fingerprint": fingerprint,
                "choices": choices, "usage": usage(promptTokens: promptTokens, samples: samples)]
    }

    /// One streamed chunk for one choice. `text` nil with a finish reason closes the choice.
    func chunk(choice: Int, text: String?, role: Bool = false, finishReason: String? = nil, logprobs: Any? = nil) -> [String: Any] {
        var entry: [String: Any] = ["index": choice, "finish_reason": finishReason.map { $0 as Any } ?? NSNull(),
                                    "logprobs": logprobs ?? NSNull()]
        switch request.endpoint {
        case .chat:
            var delta: [String: Any] = [:]
            if role { delta["role"] = "assistant" }
            if let text { delta["content"] = text }
            entry["delta"] = delta
        case .text:
            entry["text"] = text ?? ""
        }
        return ["id": id, "object": chunkObject, "created": created, "model": model.id, "system_fingerprint": fingerprint,
                "choices": [entry]]
    }

    /// The final usage chunk (empty `choices`), sent with `stream_options.include_usage`.
    func usageChunk(promptTokens: Int, samples: [GeneratedSample]) -> [String: Any] {
        ["id": id, "object": chunkObject, "created": created, "model": model.id, "system_fingerprint": fingerprint,
         "choices": [] as [Any], "usage": usage(promptTokens: promptTokens, samples: samples)]
    }

    /// Log-probs of one choice: chat `{"content": [{token, logprob, bytes, top_logprobs}]}` or the
    /// legacy `{tokens, token_logprobs, top_logprobs, text_offset}`.
    func logprobs(_ sample: GeneratedSample) -> [String: Any] {
        logprobs(ids: sample.ids, logprobs: sample.logprobs, top: sample.topLogprobs).json
    }

    /// Log-probs of a run of tokens (a streamed chunk's, or a whole choice's); legacy text offsets
    /// start at `textOffset` (UTF-16 units into the choice's text) and `nextOffset` continues them.
    func logprobs(ids: [Int], logprobs values: [Float], top: [[(id: Int, logprob: Float)]], textOffset: Int = 0)
        -> (json: [String: Any], nextOffset: Int) {
        let texts = ids.map(model.text(ofToken:))
        var offsets: [Int] = [], offset = textOffset
        for text in texts { offsets.append(offset); offset += text.utf16.count }
        switch request.endpoint {
        case .chat:
            let content: [[String: Any]] = ids.indices.map { t in
                let alternatives: [[String: Any]] = (t < top.count ? top[t] : []).map { alt in
                    let text = model.text(ofToken: alt.id)
                    return ["token": text, "logprob": Double(alt.logprob), "bytes": Array(text.utf8)]
                }
                return ["token": texts[t], "logprob": Double(values[t]), "bytes": Array(texts[t].utf8),
                        "top_logprobs": alternatives]
            }
            return (["content": content], offset)
        case .text:
            let alternatives: [Any] = ids.indices.map { t -> Any in
                guard t < top.count else { return NSNull() }
                var map: [String: Double] = [:]
                for alt in top[t] { map[model.text(ofToken: alt.id)] = Double(alt.logprob) }
                return map
            }
            return (["tokens": texts, "token_logprobs": values.map(Double.init), "top_logprobs": alternatives,
                     "text_offset": offsets], offset)
        }
    }

    private var fingerprint: String { "divtune-" + model.id }
}

/// Serialises a JSON object (never fails for the shapes built above).
func jsonData(_ object: Any) -> Data {
    (try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])) ?? Data("{}".utf8)
}
