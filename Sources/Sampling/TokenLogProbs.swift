import Foundation

/// Log-probabilities of the model's unmodified next-token distribution, as reported by
/// `--json` output and the OpenAI `logprobs` fields (never the sampler-shaped distribution).
public struct TokenLogProbs: Sendable {
    /// log softmax(logits), computed with a Double log-sum-exp.
    public let logProbs: [Float]

    public init(logits: [Float]) {
        let maxLogit = logits.max() ?? 0
        var sum = 0.0
        for l in logits { sum += exp(Double(l - maxLogit)) }
        let logZ = Float(Double(maxLogit) + log(sum))
        logProbs = logits.map { $0 - logZ }
    }

    public subscript(token: Int) -> Float { logProbs[token] }

    /// The k most likely tokens as (id, logprob), most likely first; ties by ascending id.
    public func top(_ k: Int) -> [(id: Int, logprob: Float)] {
        guard k > 0 else { return [] }
        var candidates = TokenCandidates(logits: logProbs)
        var topK = TopK(k)
        topK.process(&candidates)
        candidates.sortDescending()
        return zip(candidates.ids, candidates.logits).prefix(k).map { ($0, $1) }
    }
}
