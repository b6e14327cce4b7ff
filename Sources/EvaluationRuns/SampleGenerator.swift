/// What an evaluation run samples through: a model (``ModelSampleGenerator``) or, in tests, a
/// stand-in that needs none.
public protocol SampleGenerator {
    /// What `metrics.json` records about the sampled model.
    var sampledModel: SampledModel { get }
    /// `count` samples of `prompt`, in order; sample j draws with seed `firstSeed + j`.
    func samples(prompt: String, count: Int, firstSeed: UInt64) throws -> [SampledText]
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

    public init(model: String, adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                conformativeWeight: Double? = nil) {
        self.model = model
        self.adapter = adapter
        self.baseModel = baseModel
        self.baseAdapter = baseAdapter
        self.conformativeWeight = conformativeWeight
    }
}
