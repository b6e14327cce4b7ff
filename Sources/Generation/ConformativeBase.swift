import Models
import Sampling
import TensorEngine

/// The base model's side of conformative decoding for one sample: the mixing rule, the base
/// model, its KV cache and its next-token logits, which advance in lockstep with the instruct
/// model's (every sampled token is fed to both).
struct ConformativeBase {
    let decoding: ConformativeDecoding
    let model: LanguageModel
    let cache: KVCache
    /// The base model's next-token logits (set by the generator after each batched forward).
    var logits: [Float]

    /// Prefills the base model's rendering of the prompt, with room for `maxTokens` more.
    init(decoding: ConformativeDecoding, model: LanguageModel, promptIds: [Int], maxTokens: Int) throws {
        let configuration = model.configuration
        let cache = model.model.makeCache(capacity: min(configuration.maxPositionEmbeddings, promptIds.count + maxTokens))
        self.decoding = decoding
        self.model = model
        self.cache = cache
        self.logits = try model.model([promptIds], cache: cache, logits: .last).scalars
    }

    private init(decoding: ConformativeDecoding, model: LanguageModel, cache: KVCache, logits: [Float]) {
        self.decoding = decoding
        self.model = model
        self.cache = cache
        self.logits = logits
    }

    /// Another sample's start from the same prefilled prompt (its own cache).
    func copy() -> ConformativeBase {
        ConformativeBase(decoding: decoding, model: model, cache: cache.copy(), logits: logits)
    }

    /// Picks the next token from the instruct model's logits mixed with the base model's.
    func sample<G: RandomNumberGenerator>(instructLogits: [Float], sampler: inout Sampler, using rng: inout G) throws -> Int {
        try decoding.sample(instructLogits: instructLogits, baseLogits: logits, sampler: &sampler, using: &rng)
    }
}
