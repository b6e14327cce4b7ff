import Base
import Foundation
import Models
import Sampling
import TensorEngine
import Tokenizers

/// The decoding loop: prefill the prompt into a KV cache, then one token at a time — logits,
/// sampler chain (or conformative mixing with a base model whose cache advances in lockstep),
/// stop tokens and stop strings — streaming text that is always valid UTF-8.
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
        let mixing = parameters.conformative.flatMap { c in base.map { (c, $0) } }
        return try Tensor.withNoGrad {
            let cache = lm.makeCache(capacity: capacity)
            let prefill = try lm([promptIds], cache: cache, logits: .last).scalars
            var baseCache: KVCache?, basePrefill: [Float] = []
            let baseIds = basePromptIds ?? promptIds
            if let (_, b) = mixing {
                let c = b.model.makeCache(capacity: min(b.model.configuration.maxPositionEmbeddings, baseIds.count + parameters.maxTokens))
                basePrefill = try b.model([baseIds], cache: c, logits: .last).scalars
                baseCache = c
            }
            var samples: [GeneratedSample] = []
            for index in 0..<count {
                samples.append(try sample(index: index, promptIds: promptIds, cache: cache.copy(), firstLogits: prefill,
                                          base: mixing.map { ($0.0, $0.1, baseCache!.copy(), basePrefill, baseIds) },
                                          parameters: parameters, onPiece: onPiece))
            }
            return samples
        }
    }

    private func sample(index: Int, promptIds: [Int], cache: KVCache, firstLogits: [Float],
                        base: (ConformativeDecoding, LanguageModel, KVCache, [Float], [Int])?,
                        parameters: GenerationParameters, onPiece: ((GeneratedPiece) -> Bool)?) throws -> GeneratedSample {
        var rng = SeededGenerator(seed: parameters.seed &+ UInt64(index))
        var sampler = Sampler(parameters.sampling)
        sampler.reset(context: promptIds)
        var detokenizer = StreamingDetokenizer(tokenizer: model.tokenizer)
        var result = GeneratedSample(promptIds: promptIds, ids: [], text: "", logprobs: [], topLogprobs: [], finishReason: .length)
        var logits = firstLogits, baseLogits = base?.3 ?? []
        var reported = 0   // tokens already handed to onPiece
        while result.ids.count < parameters.maxTokens {
            let token: Int
            if let (conformative, _, _, _, _) = base {
                token = try conformative.sample(instructLogits: logits, baseLogits: baseLogits, sampler: &sampler, using: &rng)
            } else {
                token = sampler.sample(logits: logits, using: &rng)
            }
            let logProbs = TokenLogProbs(logits: logits)
            result.ids.append(token)
            result.logprobs.append(logProbs[token])
            if parameters.topLogprobs > 0 { result.topLogprobs.append(logProbs.top(parameters.topLogprobs)) }
            if !parameters.ignoreEOS && model.stopTokenIds.contains(token) { result.finishReason = .stop; break }
            let piece = detokenizer.append(token)
            result.text += piece
            if let stop = parameters.stop.first(where: { result.text.hasSuffix($0) || (result.text.contains($0)) }) {
                if let range = result.text.range(of: stop) { result.text = String(result.text[..<range.lowerBound]) }
                result.finishReason = .stop
                break
            }
            if let onPiece, !piece.isEmpty {
                let tokens = reported..<result.ids.count
                reported = tokens.upperBound
                let streamed = GeneratedPiece(sample: index, text: piece, ids: Array(result.ids[tokens]),
                                              logprobs: Array(result.logprobs[tokens]),
                                              topLogprobs: result.topLogprobs.isEmpty ? [] : Array(result.topLogprobs[tokens]))
                if !onPiece(streamed) { result.finishReason = .stop; break }
            }
            if result.ids.count == parameters.maxTokens || cache.length + 1 > cache.capacity { break }
            logits = try model.model([[token]], cache: cache, logits: .last).scalars
            if let (_, b, baseCache, _, _) = base {
                baseLogits = try b.model([[token]], cache: baseCache, logits: .last).scalars
            }
        }
        let tail = detokenizer.flush()
        if result.finishReason == .length { result.text += tail }
        return result
    }
}
