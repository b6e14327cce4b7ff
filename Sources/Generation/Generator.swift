import Base
import Foundation
import Models
import Sampling
import TensorEngine
import Tokenizers

/// The decoding loop: prefill the prompt into a KV cache, then one token at a time — logits,
/// sampler chain (or conformative mixing with a base model whose cache advances in lockstep),
/// stop tokens and stop strings — streaming text (through `TextStream`) that is always valid UTF-8
/// and never part of a stop string; the streamed pieces add up to each sample's final text.
///
/// Samples decode together (batched decoding, docs/methods.md §12): up to `maxBatch` samples —
/// of one prompt or of several — go through each forward pass as one batch, which reads the
/// weights once for all of them. A finished sample leaves the batch and the next waiting one
/// joins it. Each sample's tokens are exactly those of decoding it alone with the same seed.
public final class Generator {
    public let model: LanguageModel
    /// The base model for conformative decoding (may be the same `LanguageModel`).
    public let base: LanguageModel?

    /// Samples decoded together when the caller does not say: past ~8 rows a step's products stop
    /// being bound by reading the weights on a CPU (docs/benchmarks.md).
    public static let defaultMaxBatch = 8

    public init(model: LanguageModel, base: LanguageModel? = nil) {
        self.model = model
        self.base = base
    }

    /// One prompt of a batched call: the instruct model's ids, the base model's rendering
    /// (conformative decoding; nil = the same ids) and the seed of its sample 0 (nil = the
    /// parameters' seed), so prompts of one call can draw from their own seeds (evaluation runs,
    /// docs/methods.md §9).
    public struct Prompt: Sendable {
        public var ids: [Int]
        public var baseIds: [Int]?
        public var seed: UInt64?
        public init(ids: [Int], baseIds: [Int]? = nil, seed: UInt64? = nil) {
            self.ids = ids
            self.baseIds = baseIds
            self.seed = seed
        }
    }

    /// Generates `count` samples for one prompt; sample i uses seed `parameters.seed + i`.
    /// `basePromptIds` is the base model's rendering of the prompt (defaults to `promptIds`).
    /// `onPiece` receives streamed text with its tokens and log-probs (pieces of samples decoded
    /// together interleave); returning false cancels that sample.
    public func generate(promptIds: [Int], basePromptIds: [Int]? = nil, count: Int = 1, parameters: GenerationParameters,
                         maxBatch: Int = Generator.defaultMaxBatch,
                         onPiece: ((GeneratedPiece) -> Bool)? = nil) throws -> [GeneratedSample] {
        try generate(prompts: [Prompt(ids: promptIds, baseIds: basePromptIds)], count: count, parameters: parameters,
                     maxBatch: maxBatch, onPiece: onPiece)[0]
    }

    /// `count` samples for each prompt (result[p][i]: sample i of prompt p, seed `(prompts[p].seed ??
    /// parameters.seed) + i`), up to `maxBatch` decoding together, in order: prompt 0's samples first.
    /// `onSample(p, i, sample)` receives each sample the moment it is finished (in the order they
    /// finish), so a caller can keep a prompt's samples before the whole call ends; its error ends the call.
    public func generate(prompts: [Prompt], count: Int, parameters: GenerationParameters, maxBatch: Int = Generator.defaultMaxBatch,
                         onSample: ((Int, Int, GeneratedSample) throws -> Void)? = nil,
                         onPiece: ((GeneratedPiece) -> Bool)? = nil) throws -> [[GeneratedSample]] {
        try parameters.sampling.validate()
        try parameters.conformative?.validate()
        guard parameters.maxTokens >= 0 else { throw ModelError.invalidInput("max tokens must be ≥ 0") }
        guard count >= 1 else { throw ModelError.invalidInput("the sample count must be ≥ 1, got \(count)") }
        guard maxBatch >= 1 else { throw ModelError.invalidInput("the batch size must be ≥ 1, got \(maxBatch)") }
        let lm = model.model
        for prompt in prompts {
            guard !prompt.ids.isEmpty else { throw ModelError.invalidInput("the prompt is empty") }
            guard prompt.ids.count < lm.configuration.maxPositionEmbeddings else {
                throw ModelError.contextOverflow(tokens: prompt.ids.count, limit: lm.configuration.maxPositionEmbeddings)
            }
        }
        let conformativeBase = parameters.conformative == nil ? nil : base
        try BatchMemory.check(sequences: min(maxBatch, prompts.count * count),
                              positions: (prompts.map(\.ids.count).max() ?? 0) + parameters.maxTokens,
                              models: [model] + (conformativeBase.map { [$0] } ?? []))
        return try Tensor.withNoGrad {
            var results = prompts.map { _ in [GeneratedSample?](repeating: nil, count: count) }
            // Waiting samples in order; a prompt is prefilled when its first sample joins the
            // batch and its caches are dropped once its last sample has joined.
            var waiting = prompts.indices.flatMap { p in (0..<count).map { (p, $0) } }[...]
            var prefilled: (prompt: Int, cache: KVCache, logits: [Float], base: ConformativeBase?)?
            var active: [SampleDecoder] = []
            while true {
                while active.count < maxBatch, let (p, i) = waiting.popFirst() {
                    if prefilled?.prompt != p {
                        prefilled = try prefill(prompts[p], index: p, parameters: parameters, base: conformativeBase)
                    }
                    let start = prefilled!
                    active.append(SampleDecoder(prompt: p, index: i, seed: (prompts[p].seed ?? parameters.seed) &+ UInt64(i),
                                                promptIds: prompts[p].ids, cache: start.cache.copy(),
                                                firstLogits: start.logits, base: start.base?.copy(), model: model,
                                                parameters: parameters, onPiece: onPiece))
                }
                if waiting.first?.0 != prefilled?.prompt { prefilled = nil }
                guard !active.isEmpty else { break }
                var tokens: [Int] = []
                var going: [SampleDecoder] = []
                for decoder in active {
                    if let token = try decoder.next() {
                        tokens.append(token)
                        going.append(decoder)
                    } else {
                        results[decoder.prompt][decoder.index] = decoder.result
                        try onSample?(decoder.prompt, decoder.index, decoder.result)
                    }
                }
                active = going
                guard !active.isEmpty else { continue }
                for (decoder, logits) in zip(active, try lm.decodeStep(tokens: tokens, caches: active.map(\.cache))) {
                    decoder.logits = logits
                }
                if let conformativeBase {
                    let next = try conformativeBase.model.decodeStep(tokens: tokens, caches: active.map { $0.base!.cache })
                    for (decoder, logits) in zip(active, next) { decoder.base!.logits = logits }
                }
            }
            return results.map { $0.map { $0! } }
        }
    }

    /// The prompt's KV cache (room for `maxTokens` more), its last position's logits and the
    /// base model's prefill.
    private func prefill(_ prompt: Prompt, index: Int, parameters: GenerationParameters, base: LanguageModel?) throws
        -> (prompt: Int, cache: KVCache, logits: [Float], base: ConformativeBase?) {
        let lm = model.model
        let cache = lm.makeCache(capacity: min(lm.configuration.maxPositionEmbeddings, prompt.ids.count + parameters.maxTokens))
        let logits = try lm([prompt.ids], cache: cache, logits: .last).scalars
        let conformative = try parameters.conformative.flatMap { decoding in
            try base.map { try ConformativeBase(decoding: decoding, model: $0, promptIds: prompt.baseIds ?? prompt.ids,
                                                maxTokens: parameters.maxTokens) }
        }
        return (index, cache, logits, conformative)
    }
}
