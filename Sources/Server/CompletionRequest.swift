import ChatTemplates
import Generation
import Models
import Sampling

/// One validated `/v1/chat/completions` or `/v1/completions` request.
struct CompletionRequest: Sendable {
    enum Endpoint: Sendable { case chat, text }
    enum Input: Sendable {
        case messages([ChatMessage])
        case prompt(String)
    }

    var endpoint: Endpoint
    var model: String?
    var input: Input
    var count: Int
    var stream: Bool
    var includeUsage: Bool
    var parameters: GenerationParameters
    /// Whether each choice reports log-probs (chat: `logprobs: true`; legacy: `logprobs: k`).
    var logprobs: Bool
    /// DivTune extensions for conformative decoding.
    var baseModel: String?
    var basePromptStyle: PromptStyle

    /// The most `top_logprobs` alternatives per token (OpenAI's limit is 20; the legacy API's 5).
    static let maxTopLogprobs = 20

    /// `limits` bound `n`, `max_tokens` and `stop` (the prompt's length is checked once rendered).
    init(endpoint: Endpoint, fields f: FieldReader, limits: RequestLimits, contextLength: Int) throws {
        self.endpoint = endpoint
        model = try f.string("model")
        switch endpoint {
        case .chat:
            input = .messages(try Self.messages(f))
        case .text:
            input = .prompt(try Self.prompt(f))
        }
        count = try Self.limited(f, "n", limit: limits.maxChoices, option: "--max-n") ?? 1
        stream = try f.bool("stream") ?? false
        includeUsage = false
        if let options = f.value("stream_options") {
            guard case .object(let o) = options else { throw f.typeError("stream_options", expected: "an object", got: options) }
            includeUsage = try FieldReader(object: o, path: "stream_options.").bool("include_usage") ?? false
        }

        var sampling = SamplingParameters()
        sampling.temperature = Float(try f.number("temperature", in: 0...2) ?? 1)
        sampling.topP = try f.number("top_p", in: 0...1) ?? 1
        if sampling.topP == 0 { throw APIError.invalid("top_p", "must be in (0, 1], got 0") }
        sampling.topK = try f.integer("top_k", in: 0...Int(Int32.max)) ?? 0
        sampling.minP = Float(try f.number("min_p", in: 0...1) ?? 0)
        sampling.repetitionPenalty = Float(try f.number("repetition_penalty", above: 0) ?? 1)
        for unsupported in ["presence_penalty", "frequency_penalty"] {
            if let v = try f.number(unsupported, in: -2...2), v != 0 {
                throw APIError.invalid(unsupported, "is not supported by this server (use repetition_penalty); send 0 or omit it")
            }
        }
        if let bias = f.value("logit_bias") {
            guard case .object(let o) = bias else { throw f.typeError("logit_bias", expected: "an object", got: bias) }
            if !o.isEmpty { throw APIError.invalid("logit_bias", "is not supported by this server; omit it") }
        }

        var parameters = GenerationParameters(sampling: sampling)
        let tokenLimit = limits.tokenLimit(contextLength: contextLength)
        let defaultMax = min(endpoint == .chat ? 512 : 16, tokenLimit)
        let maxCompletion = try Self.limited(f, "max_completion_tokens", limit: tokenLimit, option: "--max-tokens")
        parameters.maxTokens = try maxCompletion ?? Self.limited(f, "max_tokens", limit: tokenLimit, option: "--max-tokens") ?? defaultMax
        // Without a seed every request samples afresh (as OpenAI does); with one it is reproducible.
        parameters.seed = try f.integer("seed").map { UInt64(bitPattern: Int64($0)) } ?? UInt64.random(in: 0...UInt64.max)
        parameters.stop = try Self.stop(f, limits: limits)
        parameters.ignoreEOS = try f.bool("ignore_eos") ?? false

        switch endpoint {
        case .chat:
            logprobs = try f.bool("logprobs") ?? false
            let top = try f.integer("top_logprobs", in: 0...Self.maxTopLogprobs) ?? 0
            if top > 0 && !logprobs { throw APIError.invalid("top_logprobs", "requires 'logprobs': true") }
            parameters.topLogprobs = top
        case .text:
            let k = try f.integer("logprobs", in: 0...Self.maxTopLogprobs)
            logprobs = k != nil
            parameters.topLogprobs = k ?? 0
        }

        baseModel = try f.string("base_model")
        basePromptStyle = try f.choice("base_prompt_style", PromptStyle.self) ?? (endpoint == .chat ? .chat : .completion)
        let weight = try f.number("conformative_weight", in: 0...1)
        let space = try f.choice("conformative_space", ConformativeDecoding.Space.self,
                                 aliases: ["probability": .probability, "logarithmic": .logarithmic, "geometric": .logarithmic])
        let truncateOn = try f.choice("truncate_on", ConformativeDecoding.TruncationSource.self)
        let baseTemperature = try f.number("base_temperature", above: 0).map(Float.init)
        if weight != nil || baseModel != nil {
            parameters.conformative = ConformativeDecoding(weight: weight ?? 0.5, space: space ?? .probability,
                                                           truncateOn: truncateOn ?? .instruct, baseTemperature: baseTemperature)
        } else if space != nil || truncateOn != nil || baseTemperature != nil {
            throw APIError.invalid("conformative_weight", "is required with conformative_space, truncate_on or base_temperature")
        }
        self.parameters = parameters
    }

    private static func messages(_ f: FieldReader) throws -> [ChatMessage] {
        guard let v = f.value("messages") else { throw APIError.invalid("messages", "is required") }
        guard case .array(let items) = v else { throw f.typeError("messages", expected: "an array", got: v) }
        guard !items.isEmpty else { throw APIError.invalid("messages", "must not be empty") }
        return try items.enumerated().map { i, item in
            guard case .object(let o) = item else { throw APIError.invalid("messages[\(i)]", "must be an object, got \(item.typeName)") }
            let m = FieldReader(object: o, path: "messages[\(i)].")
            guard let role = try m.string("role") else { throw APIError.invalid("messages[\(i)].role", "is required") }
            guard ["system", "developer", "user", "assistant", "tool"].contains(role) else {
                throw APIError.invalid("messages[\(i)].role", "must be system, developer, user, assistant or tool, got '\(role)'")
            }
            return ChatMessage(role: role == "developer" ? "system" : role, content: try content(m, index: i))
        }
    }

    /// A message's content: a string, or an array of `{"type": "text", "text": …}` parts (joined).
    private static func content(_ m: FieldReader, index i: Int) throws -> String {
        guard let v = m.value("content") else { return "" }
        switch v {
        case .string(let s): return s
        case .array(let parts):
            return try parts.enumerated().map { j, part in
                let field = "messages[\(i)].content[\(j)]"
                guard case .object(let o) = part, case .string("text")? = o["type"], case .string(let text)? = o["text"] else {
                    throw APIError.invalid(field, "must be a text part {\"type\": \"text\", \"text\": …} (only text is supported)")
                }
                return text
            }.joined()
        default:
            throw m.typeError("content", expected: "a string or an array of text parts", got: v)
        }
    }

    private static func prompt(_ f: FieldReader) throws -> String {
        guard let v = f.value("prompt") else { throw APIError.invalid("prompt", "is required") }
        switch v {
        case .string(let s): return s
        case .array(let items) where items.count == 1:
            guard case .string(let s) = items[0] else { throw APIError.invalid("prompt[0]", "must be a string, got \(items[0].typeName)") }
            return s
        case .array:
            throw APIError.invalid("prompt", "must be a string or an array of exactly one string (batched prompts are not supported)")
        default:
            throw f.typeError("prompt", expected: "a string", got: v)
        }
    }

    /// An integer ≥ 1 and at most the server's `limit` for it.
    private static func limited(_ f: FieldReader, _ key: String, limit: Int, option: String) throws -> Int? {
        guard let value = try f.integer(key) else { return nil }
        guard value >= 1 else { throw APIError.invalid(key, "must be ≥ 1, got \(value)") }
        guard value <= limit else { throw RequestLimits.exceeded(key, value, limit: limit, option: option) }
        return value
    }

    private static func stop(_ f: FieldReader, limits: RequestLimits) throws -> [String] {
        guard let v = f.value("stop") else { return [] }
        // Each string with the name an error about it gives.
        let stops: [(text: String, field: String)]
        switch v {
        case .string(let s): stops = [(s, "stop")]
        case .array(let items):
            stops = try items.enumerated().map { i, item in
                guard case .string(let s) = item else { throw APIError.invalid("stop[\(i)]", "must be a string, got \(item.typeName)") }
                return (s, "stop[\(i)]")
            }
        default: throw f.typeError("stop", expected: "a string or an array of strings", got: v)
        }
        guard stops.count <= limits.maxStopStrings else {
            throw RequestLimits.exceeded("stop", stops.count, limit: limits.maxStopStrings, option: "--max-stop", unit: " strings")
        }
        for (text, field) in stops {
            guard !text.isEmpty else { throw APIError.invalid(field, "must not be an empty string") }
            guard text.count <= limits.maxStopLength else {
                throw RequestLimits.exceeded(field, text.count, limit: limits.maxStopLength, option: "--max-stop-length",
                                             unit: " characters")
            }
        }
        return stops.map(\.text)
    }
}
