import Base
import Testing
@testable import Sampling

func randomLogits(_ n: Int, seed: UInt64) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<n).map { _ in Float.random(in: -5...5, using: &rng) }
}

@Suite struct TruncationTests {
    @Test func topKKeepsTheKHighestAndTies() {
        var c = TokenCandidates(logits: [1, 5, 3, 5, 2, 4])
        var k = TopK(2)
        k.process(&c)
        #expect(Set(c.ids) == [1, 3])
        var tied = TokenCandidates(logits: [1, 5, 3, 4, 4, 0])
        var k2 = TopK(2)
        k2.process(&tied)
        #expect(tied.ids == [1, 3, 4], "tokens tied with the k-th logit stay (HF semantics)")
    }

    @Test func topKSelectionMatchesSortOnRandomVectors() {
        for seed in 0..<20 {
            let logits = randomLogits(1000, seed: UInt64(seed))
            let k = 1 + seed * 7
            #expect(TopK.kthLargest(logits, k) == logits.sorted(by: >)[k - 1])
        }
    }

    /// Over a vocabulary the selection first narrows to the values at or above the k-th largest
    /// block maximum: the same value as sorting, with ties and values that fill whole blocks.
    @Test func topKSelectionOverAVocabularyMatchesSort() {
        for seed in 0..<6 {
            var logits = randomLogits(49_152 + seed * 5, seed: UInt64(100 + seed))
            if seed.isMultiple(of: 2) { for i in stride(from: 0, to: logits.count, by: 97) { logits[i] = 2.5 } }   // ties
            if seed == 3 { for i in 0..<640 { logits[i] = 9 + Float(i % 7) } }   // the top values in a few blocks
            for k in [1, 7, 50, 200, 600] {
                #expect(TopK.kthLargest(logits, k) == logits.sorted(by: >)[k - 1], "seed \(seed) k \(k)")
            }
        }
    }

    @Test func topPKeepsTheSmallestNucleus() {
        // probabilities 0.5, 0.25, 0.125, 0.125
        let logits: [Float] = [log(0.125), log(0.5), log(0.125), log(0.25)].map { Float($0) }
        var c = TokenCandidates(logits: logits)
        var p = TopP(0.7)
        p.process(&c)
        #expect(c.ids == [1, 3])
        var c2 = TokenCandidates(logits: logits)
        var p2 = TopP(0.75)
        p2.process(&c2)
        #expect(c2.ids == [1, 3], "cumulative 0.75 reaches p exactly: stop there")
        var c3 = TokenCandidates(logits: logits)
        var p3 = TopP(0.3)
        p3.process(&c3)
        #expect(c3.ids == [1])
    }

    @Test func minPKeepsTokensAboveAFractionOfTheMax() {
        let logits: [Float] = [log(0.5), log(0.3), log(0.15), log(0.05)].map { Float($0) }
        var c = TokenCandidates(logits: logits)
        var m = MinP(0.2) // threshold 0.1
        m.process(&c)
        #expect(c.ids == [0, 1, 2])
    }

    @Test func repetitionPenaltyFollowsCTRL() {
        var c = TokenCandidates(logits: [2, -2, 2, -2])
        var r = RepetitionPenalty(penalty: 2)
        r.reset(context: [0, 1])
        r.process(&c)
        #expect(c.logits == [1, -4, 2, -2])
        var windowed = RepetitionPenalty(penalty: 2, window: 1)
        windowed.reset(context: [0, 1])
        var c2 = TokenCandidates(logits: [2, -2, 2, -2])
        windowed.process(&c2)
        #expect(c2.logits == [2, -4, 2, -2], "only the last token is in the window")
    }

    @Test func temperatureScalesLogits() {
        var c = TokenCandidates(logits: [1, 2])
        var t = Temperature(0.5)
        t.process(&c)
        #expect(c.logits == [2, 4])
    }
}

@Suite struct SamplerTests {
    @Test func greedyPicksArgmaxAfterPenalty() {
        var s = Sampler(SamplingParameters(temperature: 0, repetitionPenalty: 10))
        s.reset(context: [1])
        var rng = SeededGenerator(seed: 1)
        #expect(s.sample(logits: [1, 3, 2], using: &rng) == 2)
    }

    @Test func sameSeedSameTokens() {
        let params = SamplingParameters.paperEvaluation
        func run(_ seed: UInt64) -> [Int] {
            var s = Sampler(params)
            s.reset(context: [3, 4])
            var rng = SeededGenerator(seed: seed)
            return (0..<50).map { s.sample(logits: randomLogits(300, seed: UInt64($0)), using: &rng) }
        }
        #expect(run(7) == run(7))
        #expect(run(7) != run(8))
    }

    @Test func samplingFrequenciesFollowTheDistribution() {
        let probs: [Double] = [0.6, 0.3, 0.1]
        let logits = probs.map { Float(log($0)) }
        var s = Sampler(SamplingParameters())
        var rng = SeededGenerator(seed: 42)
        var counts = [0, 0, 0]
        let n = 20000
        for _ in 0..<n { counts[s.sample(logits: logits, using: &rng)] += 1 }
        for i in 0..<3 { #expect(abs(Double(counts[i]) / Double(n) - probs[i]) < 0.015) }
    }

    @Test func truncatedTokensAreNeverSampled() {
        var s = Sampler(SamplingParameters(topK: 2))
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<500 { #expect(s.sample(logits: [0, 1, 2, 3], using: &rng) >= 2) }
    }

    @Test func validationRejectsOutOfRangeValues() {
        #expect(throws: SamplingError.self) { try SamplingParameters(temperature: -1).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(topP: 0).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(minP: 2).validate() }
        #expect(throws: SamplingError.self) { try SamplingParameters(repetitionPenalty: 0).validate() }
        try? SamplingParameters.paperEvaluation.validate()
    }

    @Test func topLogprobsAreSortedAndNormalised() {
        let lp = TokenLogProbs(logits: [0, 2, 1, 2])
        let top = lp.top(3)
        #expect(top.map(\.id) == [1, 3, 2])
        let total = lp.logProbs().map { exp(Double($0)) }.reduce(0, +)
        #expect(abs(total - 1) < 1e-6)
    }

    /// The vectorised log-sum-exp against the library's exp term by term (one Float ulp at
    /// most), with a tail past the 8-lane chunks, −∞ logits and terms that underflow.
    @Test func logNormalizerMatchesTheLibrarySum() {
        for (seed, count) in [(1, 49_152), (2, 49_155), (3, 13), (4, 5)] {
            var logits = randomLogits(count, seed: UInt64(seed)).map { $0 * 8 }
            logits[count / 2] = -.infinity
            logits[count - 1] = -900
            let top = logits.max()!
            let sum = logits.reduce(0.0) { $0 + exp(Double($1 - top)) }
            let expected = Float(Double(top) + log(sum))
            #expect(abs(TokenLogProbs(logits: logits).logNormalizer - expected) <= expected.ulp, "\(count) logits")
        }
        let x = SIMD8<Double>(-0.0, -1e-9, -0.3, -0.35, -1, -37.2, -690, -699.9)
        let e = TokenLogProbs.exp8(x)
        for i in 0..<8 { #expect(abs(e[i] - exp(x[i])) <= 1e-14 * exp(x[i]), "e^\(x[i])") }
        // Below e⁻⁷⁰⁰ (and −∞): 0.
        #expect(TokenLogProbs.exp8(SIMD8(-700.1, -708, -1e6, -.infinity, -800, -745, -701, -750)) == .zero)
        #expect(TokenLogProbs.exp8(SIMD8(repeating: .nan))[3].isNaN)
        // A NaN logit makes the normalizer NaN wherever it stands (in an 8-lane chunk or the tail).
        for at in [3, 17] { var nan = randomLogits(18, seed: 9); nan[at] = .nan; #expect(TokenLogProbs(logits: nan).logNormalizer.isNaN, "NaN at \(at)") }
    }
}

@Suite struct ConformativeTests {
    @Test func weightZeroReproducesPlainSampling() throws {
        for params in [SamplingParameters.paperEvaluation, SamplingParameters(minP: 0.1), SamplingParameters(temperature: 0.7)] {
            var plain = Sampler(params), mixed = Sampler(params)
            plain.reset(context: [1, 2]); mixed.reset(context: [1, 2])
            var r1 = SeededGenerator(seed: 9), r2 = SeededGenerator(seed: 9)
            let conformative = ConformativeDecoding(weight: 0)
            for step in 0..<200 {
                let inst = randomLogits(500, seed: UInt64(step)), base = randomLogits(500, seed: UInt64(step + 1000))
                let a = plain.sample(logits: inst, using: &r1)
                let b = try conformative.sample(instructLogits: inst, baseLogits: base, sampler: &mixed, using: &r2)
                #expect(a == b)
            }
        }
    }

    @Test func mixtureMovesMassTowardsTheBase() throws {
        // Instruct prefers token 0, base prefers token 1; with top-p 1 (no truncation) and w = 0.5 the
        // sampled frequency of token 1 is the mixed probability.
        let inst: [Float] = [log(0.9), log(0.1)].map { Float($0) }
        let base: [Float] = [log(0.1), log(0.9)].map { Float($0) }
        var s = Sampler(SamplingParameters())
        var rng = SeededGenerator(seed: 5)
        let c = ConformativeDecoding(weight: 0.5)
        var ones = 0
        for _ in 0..<20000 where try c.sample(instructLogits: inst, baseLogits: base, sampler: &s, using: &rng) == 1 { ones += 1 }
        #expect(abs(Double(ones) / 20000 - 0.5) < 0.015)
    }

    @Test func truncationOnInstructExcludesBaseOnlyTokens() throws {
        // Token 2 is likely under the base only; truncation on the instruct distribution keeps it out.
        let inst: [Float] = [log(0.7), log(0.29), log(0.01)].map { Float($0) }
        let base: [Float] = [log(0.01), log(0.01), log(0.98)].map { Float($0) }
        var s = Sampler(SamplingParameters(topP: 0.9))
        var rng = SeededGenerator(seed: 11)
        let instructSet = ConformativeDecoding(weight: 0.9, truncateOn: .instruct)
        for _ in 0..<2000 { #expect(try instructSet.sample(instructLogits: inst, baseLogits: base, sampler: &s, using: &rng) != 2) }
        let mixtureSet = ConformativeDecoding(weight: 0.9, truncateOn: .mixture)
        var twos = 0
        for _ in 0..<2000 where try mixtureSet.sample(instructLogits: inst, baseLogits: base, sampler: &s, using: &rng) == 2 { twos += 1 }
        #expect(twos > 1000)
    }

    @Test func geometricMixtureIsNormalised() {
        let c = ConformativeDecoding(weight: 0.3, space: .logarithmic)
        let m = c.mix([0.5, 0.5, 0], [0.2, 0.3, 0.5])
        #expect(abs(m.reduce(0, +) - 1) < 1e-12)
        #expect(m[2] < 1e-100)
    }

    /// The base model may use its own temperature; without one it follows the instruct model's.
    /// With w = 1 and no truncation the sampled frequencies are softmax(base / T_base).
    @Test func baseTemperatureShapesOnlyTheBase() throws {
        let inst: [Float] = [0, 0]
        let base: [Float] = [0, Float(log(3.0))]   // p = [0.25, 0.75] at T = 1, [0.1, 0.9] at T = 0.5
        func frequencyOfOne(instructT: Float, baseT: Float?) throws -> Double {
            var s = Sampler(SamplingParameters(temperature: instructT))
            var rng = SeededGenerator(seed: 21)
            let c = ConformativeDecoding(weight: 1, baseTemperature: baseT)
            var ones = 0
            for _ in 0..<20000 where try c.sample(instructLogits: inst, baseLogits: base, sampler: &s, using: &rng) == 1 { ones += 1 }
            return Double(ones) / 20000
        }
        #expect(abs(try frequencyOfOne(instructT: 1, baseT: 0.5) - 0.9) < 0.01)
        #expect(abs(try frequencyOfOne(instructT: 0.5, baseT: nil) - 0.9) < 0.01)
        #expect(abs(try frequencyOfOne(instructT: 0.5, baseT: 1) - 0.75) < 0.015)
        #expect(throws: SamplingError.self) { try ConformativeDecoding(weight: 0.5, baseTemperature: 0).validate() }
    }

    @Test func geometricMixtureValues() {
        let c = ConformativeDecoding(weight: 0.3, space: .logarithmic)
        let m = c.mix([0.5, 0.5, 0], [0.2, 0.3, 0.5])
        // p^(1-w) q^w, normalised: the ratio of the first two is (0.2/0.3)^0.3.
        #expect(abs(m[0] / m[1] - pow(0.2 / 0.3, 0.3)) < 1e-12)
        let linear = ConformativeDecoding(weight: 0.3).mix([0.5, 0.5, 0], [0.2, 0.3, 0.5])
        #expect(zip(linear, [0.41, 0.44, 0.15]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// Greedy conformative decoding takes the mixture's argmax inside the instruct truncation set.
    @Test func greedyTakesTheMixtureArgmax() throws {
        let inst: [Float] = [log(0.6), log(0.4), log(1e-6)].map { Float($0) }
        let base: [Float] = [log(0.1), log(0.2), log(0.7)].map { Float($0) }
        var s = Sampler(SamplingParameters(temperature: 0, topK: 2))
        var rng = SeededGenerator(seed: 3)
        // Mixture at w = 0.7: [0.25, 0.26, 0.49]; token 2 is outside the instruct top-2, so token 1 wins.
        #expect(try ConformativeDecoding(weight: 0.7).sample(instructLogits: inst, baseLogits: base, sampler: &s, using: &rng) == 1)
        #expect(try ConformativeDecoding(weight: 0.7, truncateOn: .mixture).sample(instructLogits: inst, baseLogits: base,
                                                                                    sampler: &s, using: &rng) == 2)
    }

    @Test func rejectsMismatchedVocabulariesAndBadWeights() {
        var s = Sampler(SamplingParameters())
        var rng = SeededGenerator(seed: 1)
        #expect(throws: SamplingError.self) {
            try ConformativeDecoding(weight: 0.5).sample(instructLogits: [0, 1], baseLogits: [0], sampler: &s, using: &rng)
        }
        #expect(throws: SamplingError.self) { try ConformativeDecoding(weight: 1.5).validate() }
    }
}

import Foundation
