import Foundation

/// Log-probabilities of the model's unmodified next-token distribution, as reported by
/// `--json` output and the OpenAI `logprobs` fields (never the sampler-shaped distribution).
public struct TokenLogProbs: Sendable {
    /// The logits and log Σ exp(logits) (a Double log-sum-exp, rounded to Float).
    public let logits: [Float]
    public let logNormalizer: Float

    public init(logits: [Float]) {
        self.logits = logits
        logNormalizer = Self.logSumExp(logits)
    }

    /// log softmax(logits): each logit less the normalizer (a new vocabulary-sized array; one
    /// token's is `self[token]`).
    public func logProbs() -> [Float] { logits.map { $0 - logNormalizer } }

    public subscript(token: Int) -> Float { logits[token] - logNormalizer }

    /// The k most likely tokens as (id, logprob), most likely first; ties by ascending id.
    public func top(_ k: Int) -> [(id: Int, logprob: Float)] {
        guard k > 0 else { return [] }
        var candidates = TokenCandidates(logits: logits)
        var topK = TopK(k)
        topK.process(&candidates)
        candidates.sortDescending()
        return zip(candidates.ids, candidates.logits).prefix(k).map { ($0, $1 - logNormalizer) }
    }

    /// max + log Σ exp(x − max), the sum in Double: eight terms at a time with ``exp8(_:)``, ten
    /// times the library's exp one value at a time (a third of a millisecond per token over a
    /// vocabulary of 49 152).
    static func logSumExp(_ x: [Float]) -> Float {
        guard let top = x.max() else { return 0 }
        guard top.isFinite else { return top }
        var lanes = SIMD8<Double>.zero
        var i = 0
        x.withUnsafeBufferPointer { p in
            let raw = UnsafeRawPointer(p.baseAddress!)
            while i + 8 <= p.count {
                lanes += exp8(SIMD8<Double>(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - top))
                i += 8
            }
        }
        var sum = lanes.sum()
        while i < x.count { sum += Foundation.exp(Double(x[i] - top)); i += 1 }
        return Float(Double(top) + Foundation.log(sum))
    }

    /// eˣ for 8 doubles ≤ 0 (x − max of finite logits) to ~1e-14 relative: x = n·ln 2 + r with
    /// |r| ≤ ln 2 / 2 (ln 2 in two parts), eʳ by its Taylor series to r¹¹ (truncation < 1e-14),
    /// times 2ⁿ. A Float log-normalizer is unchanged by such errors unless they straddle a
    /// rounding edge. Terms below e⁻⁷⁰⁰ come out as 0: next to the maximum's term of 1 they vanish
    /// from a Double sum anyway. Fused multiply-adds, bit casts and masks only: n is rounded by
    /// adding 1.5·2⁵², which also leaves it as an integer in the low bits (Swift's generic SIMD
    /// rounding, conversions and min/max run lane by lane). NaN stays NaN, as the library's exp
    /// keeps it.
    @inline(__always)
    static func exp8(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let below = x .< -700   // −∞ too; false for NaN
        let clamped = x.replacing(with: -700, where: below)
        let magic = SIMD8<Double>(repeating: 6_755_399_441_055_744)   // 1.5·2⁵²
        let shifted = magic.addingProduct(clamped, SIMD8(repeating: 1.4426950408889634))
        let n = shifted - magic
        let r = clamped.addingProduct(n, SIMD8(repeating: -0.693147180369123816490))
            .addingProduct(n, SIMD8(repeating: -1.90821492927058770002e-10))
        // Horner from 1/11! down to 1/0!.
        var p = SIMD8<Double>(repeating: 1.0 / 39_916_800)
        p = SIMD8(repeating: 1.0 / 3_628_800).addingProduct(p, r); p = SIMD8(repeating: 1.0 / 362_880).addingProduct(p, r)
        p = SIMD8(repeating: 1.0 / 40320).addingProduct(p, r); p = SIMD8(repeating: 1.0 / 5040).addingProduct(p, r)
        p = SIMD8(repeating: 1.0 / 720).addingProduct(p, r); p = SIMD8(repeating: 1.0 / 120).addingProduct(p, r)
        p = SIMD8(repeating: 1.0 / 24).addingProduct(p, r); p = SIMD8(repeating: 1.0 / 6).addingProduct(p, r)
        p = SIMD8(repeating: 0.5).addingProduct(p, r); p = SIMD8(repeating: 1).addingProduct(p, r)
        p = SIMD8(repeating: 1).addingProduct(p, r)
        let integer = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- unsafeBitCast(magic, to: SIMD8<Int64>.self)
        let scaled = p * unsafeBitCast((integer &+ 1023) &<< 52, to: SIMD8<Double>.self)
        return scaled.replacing(with: 0, where: below)
    }
}
