/// What an evaluation run samples through: a model (``ModelSampleGenerator``) or, in tests, a
/// stand-in that needs none.
public protocol SampleGenerator {
    /// What `metrics.json` records about the sampled model.
    var sampledModel: SampledModel { get }
    /// What the samples depend on besides prompt and seed (``SampleSettings``, without the seed,
    /// which the run adds).
    var settings: [String: String] { get }
    /// `count` samples of each prompt; sample j of `prompts[k]` draws with seed `prompts[k].firstSeed + j`
    /// and does not depend on which prompts are sampled together. `finished(k, samples)` receives
    /// prompt k's samples, in order, as soon as they are all drawn; prompts may finish in any order.
    func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws
}

/// A prompt and the seed of its sample 0.
public struct PromptToSample: Hashable, Sendable {
    public var prompt: String
    public var firstSeed: UInt64

    public init(prompt: String, firstSeed: UInt64) {
        self.prompt = prompt
        self.firstSeed = firstSeed
    }
}

extension SampleGenerator {
    /// `count` samples of one prompt; sample j draws with seed `firstSeed + j`.
    public func samples(prompt: String, count: Int, firstSeed: UInt64) throws -> [SampledText] {
        var samples: [SampledText] = []
        try sample([PromptToSample(prompt: prompt, firstSeed: firstSeed)], count: count) { samples = $1 }
        return samples
    }
}

/// One sample as an evaluation run keeps it (a line of `samples.jsonl` holds a prompt's samples).
public struct SampledText: Hashable, Sendable {
    public var text: String
    /// Generated tokens.
    public var tokens: Int
    /// Mean log-probability per generated token under the model (nil when no tokens).
    public var logprobPerToken: Double?
    /// `stop` or `length`.
    public var finishReason: String

    public init(text: String, tokens: Int, logprobPerToken: Double?, finishReason: String) {
        self.text = text
        self.tokens = tokens
        self.logprobPerToken = logprobPerToken
        self.finishReason = finishReason
    }
}

/// The model an evaluation run sampled, as `metrics.json` names it (paths as given).
public struct SampledModel: Hashable, Sendable {
    public var model: String
    public var adapter: String?
    public var baseModel: String?
    public var baseAdapter: String?
    public var conformativeWeight: Double?
    /// `chat` or `completion` (``PromptStyle``) for a local model; nil where it does not apply (a server).
    public var promptStyle: String?

    public init(model: String, adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                conformativeWeight: Double? = nil, promptStyle: String? = nil) {
        self.model = model
        self.adapter = adapter
        self.baseModel = baseModel
        self.baseAdapter = baseAdapter
        self.conformativeWeight = conformativeWeight
        self.promptStyle = promptStyle
    }
}
