import Foundation
import Testing
@testable import Evaluation

/// Fixtures/paired_bootstrap.json, written by scripts/reference/paired_bootstrap.py (the same
/// generator in Python, numpy's percentile, statsmodels' Holm).
struct PairedBootstrapReference: Decodable {
    struct Paired: Decodable, CustomStringConvertible {
        var a: [Double?], b: [Double?]
        var resamples: Int, confidence: Double, seed: UInt64
        var difference: Double, lower: Double, upper: Double, pValue: Double, pairs: Int
        enum CodingKeys: String, CodingKey {
            case a, b, resamples, confidence, seed, difference, lower, upper, pairs, pValue = "p_value"
        }
        var description: String { "\(a.count) prompts, seed \(seed)" }
    }
    struct Holm: Decodable, CustomStringConvertible {
        var pValues: [Double], adjusted: [Double]
        enum CodingKeys: String, CodingKey { case adjusted, pValues = "p_values" }
        var description: String { "\(pValues)" }
    }
    var paired: [Paired]
    var holm: [Holm]

    static let file: PairedBootstrapReference? = {
        guard let url = Bundle.module.url(forResource: "paired_bootstrap", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(PairedBootstrapReference.self, from: data)
    }()
}

@Suite struct PairedBootstrapTests {
    @Test func fixtureIsPresent() throws {
        let file = try #require(PairedBootstrapReference.file, "run scripts/reference/paired_bootstrap.py")
        #expect(file.paired.count >= 5 && file.holm.count >= 5)
    }

    @Test(arguments: PairedBootstrapReference.file?.paired ?? [])
    func pairedBootstrapMatchesTheReference(_ c: PairedBootstrapReference.Paired) throws {
        let d = try #require(try PairedBootstrap.compare(c.a, c.b, resamples: c.resamples, confidence: c.confidence, seed: c.seed))
        #expect(abs(d.difference - c.difference) < 1e-12)
        #expect(abs(d.lower - c.lower) < 1e-12 && abs(d.upper - c.upper) < 1e-12, "[\(d.lower), \(d.upper)] vs [\(c.lower), \(c.upper)]")
        #expect(d.pValue == c.pValue)
        #expect(d.pairs == c.pairs && d.skipped == c.a.count - c.pairs)
        #expect(d.excludesZero == (c.lower > 0 || c.upper < 0))
    }

    @Test(arguments: PairedBootstrapReference.file?.holm ?? [])
    func holmMatchesStatsmodels(_ c: PairedBootstrapReference.Holm) {
        let adjusted = HolmAdjustment.adjust(c.pValues)
        #expect(zip(adjusted, c.adjusted).allSatisfy { abs($0 - $1) < 1e-12 }, "\(adjusted) vs \(c.adjusted)")
    }

    @Test func unequalLengthsAndNonFiniteValuesAreRefused() throws {
        #expect(throws: EvaluationError.self) { try PairedBootstrap.compare([1, 2], [1]) }
        #expect(throws: EvaluationError.self) { try PairedBootstrap.compare([1, .nan], [1, 2]) }
        #expect(try PairedBootstrap.compare([nil, 1], [1, nil]) == nil)
    }

    static func prompts(_ values: [Double], shift: Double = 0) -> [PromptMetrics] {
        values.enumerated().map { i, v in
            PromptMetrics(promptIndex: i, diversity: [.semanticDiversity: v + shift, .ngramDiversity: v],
                          logprobPerToken: [-v, -v - 0.1], tokens: [3, 3], rewards: nil, warnings: [])
        }
    }

    @Test func comparisonsPairByPromptAdjustTogetherAndSayWhatCannotBeCompared() throws {
        let values = (0..<20).map { 0.4 + 0.02 * Double($0 % 7) }
        let base = PairedRun(name: "base", prompts: Self.prompts(values), promptTexts: [0: "p0", 1: "p1"])
        let tuned = PairedRun(name: "tuned", prompts: Self.prompts(values, shift: 0.05), promptTexts: [0: "p0"])
        let other = PairedRun(name: "other", prompts: Self.prompts(values), promptTexts: [0: "different"])
        let result = try PairedComparisons.compare([base, tuned, other], reference: 0, resamples: 500)
        // tuned vs base: quality and n-gram diversity equal (p = 1), semantic diversity 0.05 higher on every prompt.
        let semantic = try #require(result.comparisons.first { $0.metric == "semantic_diversity" })
        #expect(semantic.run == "tuned" && semantic.reference == "base")
        #expect(abs(semantic.difference.difference - 0.05) < 1e-12 && semantic.difference.pValue == 0 && semantic.holds())
        #expect(result.comparisons.filter { $0.metric != "semantic_diversity" }.allSatisfy { !$0.holds() && $0.adjustedPValue == 1 })
        #expect(Set(result.comparisons.map(\.metric)) == ["quality", "semantic_diversity", "ngram_diversity"])
        #expect(result.notCompared.count == 1 && result.notCompared[0].contains("other vs base") && result.notCompared[0].contains("prompt 0"))
        // Every pair: of the three, only tuned vs base saw the same prompts.
        let all = try PairedComparisons.compare([base, tuned, other], reference: nil, resamples: 200)
        #expect(Set(all.comparisons.map { "\($0.run)-\($0.reference)" }) == ["tuned-base"] && all.notCompared.count == 2)
        // Rewards on one side only: quality is not compared.
        var rewarded = tuned
        rewarded.prompts = rewarded.prompts.map { var p = $0; p.rewards = [1]; return p }
        let mixed = try PairedComparisons.compare([base, rewarded], resamples: 200)
        #expect(!mixed.comparisons.contains { $0.metric == "quality" } && mixed.notCompared[0].contains("quality measured differently"))
    }
}
