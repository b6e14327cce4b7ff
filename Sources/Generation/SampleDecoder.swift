import Base
import Models
import Sampling
import Tokenizers

/// One sample being decoded: its KV cache, seeded sampler, base-model side (conformative
/// decoding), text stream and the result so far. ``draw()`` picks a token from the current logits
/// (touching only this sample's state, so a batch draws in parallel) and ``take(_:)`` records it,
/// streams text, checks the stop conditions and returns the token to feed the model, or nil when
/// the sample is finished; the ``DecodeBatch`` runs the forward passes, one sample at a time or
/// many together (docs/methods.md §12), and hands back the next logits.
final class SampleDecoder {
    let prompt: Int
    let index: Int
    let cache: KVCache
    var base: ConformativeBase?
    /// The model's next-token logits for this sample (set by the generator after each forward).
    var logits: [Float]
    private(set) var result: GeneratedSample
    private let parameters: GenerationParameters
    private let stopTokenIds: Set<Int>
    private let onPiece: ((GeneratedPiece) -> Bool)?
    private var rng: SeededGenerator
    private var sampler: Sampler
    private var stream: TextStream
    private var reported = 0   // tokens already handed to onPiece
    private var cancelled = false
    private var finished = false

    /// Sample `index` of prompt `prompt`, drawing with `seed`, continuing the prefilled `cache`
    /// whose last position gave `firstLogits`.
    init(prompt: Int, index: Int, seed: UInt64, promptIds: [Int], cache: KVCache, firstLogits: [Float], base: ConformativeBase?,
         model: LanguageModel, parameters: GenerationParameters, onPiece: ((GeneratedPiece) -> Bool)?) {
        self.prompt = prompt
        self.index = index
        self.cache = cache
        self.base = base
        self.logits = firstLogits
        self.parameters = parameters
        self.stopTokenIds = model.stopTokenIds
        self.onPiece = onPiece
        rng = SeededGenerator(seed: seed)
        sampler = Sampler(parameters.sampling)
        sampler.reset(context: promptIds)
        stream = TextStream(tokenizer: model.tokenizer, stops: parameters.stop)
        result = GeneratedSample(promptIds: promptIds, ids: [], text: "", logprobs: [], topLogprobs: [], finishReason: .length)
    }

    /// What ``draw()`` found: the sample was finished already, has reached its token limit, or
    /// drew a token with its log-probability (and the top ones, when asked for).
    enum Draw {
        case finished, atLimit
        case token(Int, logprob: Float, top: [(id: Int, logprob: Float)])
    }

    /// The sampler's and the log-softmax's work for the next token: it touches only this sample's
    /// state, so a batch draws for its samples in parallel before taking the draws in order.
    func draw() throws -> Draw {
        guard !finished else { return .finished }
        guard result.ids.count < parameters.maxTokens else { return .atLimit }
        let token: Int
        if let base {
            token = try base.sample(instructLogits: logits, sampler: &sampler, using: &rng)
        } else {
            token = sampler.sample(logits: logits, using: &rng)
        }
        let logProbs = TokenLogProbs(logits: logits)
        return .token(token, logprob: logProbs[token], top: parameters.topLogprobs > 0 ? logProbs.top(parameters.topLogprobs) : [])
    }

    /// Records a draw — the token, streamed text, stop conditions — and returns the token to feed
    /// the model, or nil when the sample is finished.
    func take(_ draw: Draw) -> Int? {
        let token: Int
        switch draw {
        case .finished: return nil
        case .atLimit: return end()
        case .token(let drawn, let logprob, let top):
            token = drawn
            result.ids.append(token)
            result.logprobs.append(logprob)
            if parameters.topLogprobs > 0 { result.topLogprobs.append(top) }
        }
        if !parameters.ignoreEOS && stopTokenIds.contains(token) { result.finishReason = .stop; return end() }
        if let text = stream.append(token) {
            result.text += text
            if stream.reachedStop {
                // The text before the stop string, if any, still goes out; the rest is dropped.
                if !text.isEmpty { _ = report(text) }
                result.finishReason = .stop
                return end()
            }
            if !report(text) { result.finishReason = .stop; cancelled = true; return end() }
        }
        if result.ids.count == parameters.maxTokens || cache.length + 1 > cache.capacity { return end() }
        return token
    }

    /// Finishes the sample: the detokenizer's tail and any held-back text that was not a stop
    /// string after all go out.
    private func end() -> Int? {
        finished = true
        if !stream.reachedStop && !cancelled {
            let rest = stream.finish()
            if stream.reachedStop { result.finishReason = .stop }
            result.text += rest
            if !rest.isEmpty { _ = report(rest) }
        }
        return nil
    }

    /// Streams `text` with the tokens since the last piece; false when the caller cancelled.
    private func report(_ text: String) -> Bool {
        guard let onPiece else { return true }
        let tokens = reported..<result.ids.count
        reported = tokens.upperBound
        return onPiece(GeneratedPiece(prompt: prompt, sample: index, text: text, ids: Array(result.ids[tokens]),
                                      logprobs: Array(result.logprobs[tokens]),
                                      topLogprobs: result.topLogprobs.isEmpty ? [] : Array(result.topLogprobs[tokens])))
    }
}
