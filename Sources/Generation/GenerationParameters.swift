import Sampling

/// Everything that shapes one generation request besides the prompt.
public struct GenerationParameters: Sendable {
    public var maxTokens: Int = 256
    public var sampling: SamplingParameters = SamplingParameters()
    public var seed: UInt64 = 0
    /// Generation stops when the text ends with one of these; the stop string is not returned.
    public var stop: [String] = []
    /// With k > 0, each step also reports the k most likely tokens and their log-probs.
    public var topLogprobs: Int = 0
    /// Conformative decoding against a base model (nil = plain sampling).
    public var conformative: ConformativeDecoding? = nil
    /// Keep sampling past the model's stop tokens until `maxTokens` (for benchmarks and tests that
    /// need a known length; llama.cpp's and vLLM's `ignore_eos`). Stop strings still apply.
    public var ignoreEOS: Bool = false

    public init(maxTokens: Int = 256, sampling: SamplingParameters = SamplingParameters(), seed: UInt64 = 0,
                stop: [String] = [], topLogprobs: Int = 0, conformative: ConformativeDecoding? = nil, ignoreEOS: Bool = false) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.seed = seed
        self.stop = stop
        self.topLogprobs = topLogprobs
        self.conformative = conformative
        self.ignoreEOS = ignoreEOS
    }
}

/// One finished sample.
public struct GeneratedSample: Sendable {
    public enum FinishReason: String, Sendable { case stop, length }
    public var promptIds: [Int]
    public var ids: [Int]
    public var text: String
    /// log p(token) under the (instruct) model's unmodified distribution, per generated token.
    public var logprobs: [Float]
    public var topLogprobs: [[(id: Int, logprob: Float)]]
    public var finishReason: FinishReason
}

/// A streamed piece of one sample: its new text and the tokens generated since the previous
/// piece (a token that completes no character yet waits for the next piece). The pieces' texts
/// add up to the sample's final text (see `TextStream`).
public struct GeneratedPiece: Sendable {
    /// Which of the call's prompts this piece belongs to (0 for a call with one prompt).
    public let prompt: Int
    /// Which of the prompt's samples this piece belongs to.
    public let sample: Int
    /// Empty while the text is held back as the possible start of a stop string.
    public let text: String
    public let ids: [Int]
    public let logprobs: [Float]
    public let topLogprobs: [[(id: Int, logprob: Float)]]
}
