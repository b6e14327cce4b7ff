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
public final class Generator {
    public let model: LanguageModel
    /// The base model for conformative decoding (may be the same `LanguageModel`).
    public let base: LanguageModel?

    public init(model: LanguageModel, base: LanguageModel? = nil) {
        self.model = model
        self.base = base
    }

    /// Generates `count` samples for one prompt; sample i uses seed `parameters.seed + i`.
    /// `basePromptIds` is the base model's rendering of the prompt (defaults to `promptIds`).
    /// `onPiece` receives streamed text with its tokens and log-probs; returning false cancels that sample.
    public func generate(promptIds: [Int], basePromptIds: [Int]? = nil, count: Int = 1, parameters: GenerationParameters,
                         onPiece: ((GeneratedPiece) -> Bool)? = nil) throws -> [GeneratedSample] {
        guard !promptIds.isEmpty else { throw ModelError.invalidInput("the prompt is empty") }
        try parameters.sampling.validate()
        try parameters.conformative?.validate()
        guard parameters.maxTokens >= 0 else { throw ModelError.invalidInput("max tokens must be ≥ 0") }
        let lm = model.model
        let capacity = min(lm.configuration.maxPositionEmbeddings, promptIds.count + parameters.maxTokens)
        guard promptIds.count < lm.configuration.maxPositionEmbeddings else {
            throw ModelError.contextOverflow(tokens: promptIds.count, limit: lm.configuration.maxPositionEmbeddings)
        }
        return try Tensor.withNoGrad {
            let cache = lm.makeCache(capacity: capacity)
            let prefill = try lm([promptIds], cache: cache, logits: .last).scalars
            let base = try parameters.conformative.flatMap { decoding in
                try self.base.map { try ConformativeBase(decoding: decoding, model: $0, promptIds: basePromptIds ?? promptIds,
                                                         maxTokens: parameters.maxTokens) }
            }
            var samples: [GeneratedSample] = []
            for index in 0..<count {
                samples.append(try sample(index: index, promptIds: promptIds, cache: cache.copy(), firstLogits: prefill,
                                          base: base?.copy(), parameters: parameters, onPiece: onPiece))
            }
            return samples
        }
    }

    private func sample(index: Int, promptIds: [Int], cache: KVCache, firstLogits: [Float], base: ConformativeBase?,
                        parameters: GenerationParameters, onPiece: ((GeneratedPiece) -> Bool)?) throws -> GeneratedSample {
        var rng = SeededGenerator(seed: parameters.seed &+ UInt64(index))
        var sampler = Sampler(parameters.sampling)
        sampler.reset(context: promptIds)
        var base = base
        var stream = TextStream(tokenizer: model.tokenizer, stops: parameters.stop)
        var result = GeneratedSample(promptIds: promptIds, ids: [], text: "", logprobs: [], topLogprobs: [], finishReason: .length)
        var logits = firstLogits
        var reported = 0   // tokens already handed to onPiece
        /// Streams `text` with the tokens since the last piece; false when the caller cancelled.
        func report(_ text: String) -> Bool {
            guard let onPiece else { return true }
            let tokens = reported..<result.ids.count
            reported = tokens.upperBound
            return onPiece(GeneratedPiece(sample: index, text: text, ids: Array(result.ids[tokens]),
                                          logprobs: Array(result.logprobs[tokens]),
                                          topLogprobs: result.topLogprobs.isEmpty ? [] : Array(result.topLogprobs[tokens])))
        }
        var cancelled = false
        while result.ids.count < parameters.maxTokens {
            let token: Int
            if let base {
                token = try base.sample(instructLogits: logits, sampler: &sampler, using: &rng)
            } else {
                token = sampler.sample(logits: logits, using: &rng)
            }
            let logProbs = TokenLogProbs(logits: logits)
            result.ids.append(token)
            result.logprobs.append(logProbs[token])
            if parameters.topLogprobs > 0 { result.topLogprobs.append(logProbs.top(parameters.topLogprobs)) }
            if !parameters.ignoreEOS && model.stopTokenIds.contains(token) { result.finishReason = .stop; break }
            if let text = stream.append(token) {
                result.text += text
                if stream.reachedStop {
                    // The text before the stop string, if any, still goes out; the rest is dropped.
                    if !text.isEmpty { _ = report(text) }
                    result.finishReason = .stop
                    break
                }
                if !report(text) { result.finishReason = .stop; cancelled = true; break }
            }
            if result.ids.count == parameters.maxTokens || cache.length + 1 > cache.capacity { break }
            logits = try model.model([[token]], cache: cache, logits: .last).scalars
            try base?.advance(with: token)
        }
        if !stream.reachedStop && !cancelled {
            // The detokenizer's tail and any held-back text that was not a stop string after all.
            let rest = stream.finish()
            if stream.reachedStop { result.finishReason = .stop }
            result.text += rest
            if !rest.isEmpty { _ = report(rest) }
        }
        return result
    }
}
