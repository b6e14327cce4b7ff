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
        // Samples join in order, prompt 0's first; the batch admits the next as one finishes.
        // Adding a request validates it; the memory check then covers the whole call before any work.
        let batch = try DecodeBatch(model: model, base: base, maxBatch: maxBatch)
        var results = [[GeneratedSample]?](repeating: nil, count: prompts.count)
        var failure: Error?
        for (p, prompt) in prompts.enumerated() {
            var own = parameters
            own.seed = prompt.seed ?? parameters.seed
            let request = DecodeBatch.Request(prompt: prompt, count: count, parameters: own, index: p, onPiece: onPiece,
                                              onSample: { i, sample in
                guard failure == nil, let onSample else { return }
                do { try onSample(p, i, sample) } catch { failure = error }
            })
            try batch.add(request) { outcome in
                switch outcome {
                case .finished(let samples): results[p] = samples
                case .failed(let error): failure = failure ?? error
                case .cancelled: break   // only a request's isCancelled does this, and these never are
                }
            }
        }
        try batch.checkMemory()
        while !batch.isIdle && failure == nil { batch.step() }
        if let failure { throw failure }
        return results.map { $0! }
    }
}
