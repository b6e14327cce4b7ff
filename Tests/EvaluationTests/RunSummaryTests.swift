import Foundation
import Testing
@testable import Evaluation

@Suite struct RunSummaryTests {
    static let records = [
        SampleRecord(promptIndex: 0, prompt: "p0", samples: ["the cat sat on the mat today", "a dog ran in the park at noon"],
                     tokens: [7, 8], logprobPerToken: [-1, -3], finishReasons: ["stop", "stop"]),
        SampleRecord(promptIndex: 1, prompt: "p1", samples: ["rain fell on the quiet town all night", "rain fell on the quiet town"],
                     tokens: [8, 6], logprobPerToken: [-4, nil], finishReasons: ["length", "stop"]),
    ]

    @Test func qualityIsTheMeanLogProbPerTokenWithoutARewardModel() throws {
        let style: [[[Float]]] = [[[1, 0], [0, 1]], [[1, 1], [1, 1]]]
        let (metrics, perPrompt) = try RunSummary.metrics(run: "r", model: "m", records: Self.records, styleEmbeddings: style,
                                                          styleEmbedder: "toy")
        #expect(metrics.qualityMeasure == "mean_logprob_per_token")
        // Prompt means −2 and −4 (the sample without tokens is skipped).
        #expect(metrics.quality?.mean == -3)
        #expect(try #require(metrics.quality).lower >= -4 && metrics.quality!.upper <= -2)
        // Style: orthogonal pair → distance 1, identical pair → 0.
        #expect(abs(perPrompt[0].style! - 1) < 1e-12 && abs(perPrompt[1].style!) < 1e-12)
        #expect(abs(try #require(metrics.styleDiversity).mean - 0.5) < 1e-12)
        #expect(metrics.semanticDiversity == nil && metrics.warnings.first == "no semantic embedder: semantic diversity not measured")
        let ratios = try Self.records.map { try CompressionRatio.ratio($0.samples) }
        #expect(abs(try #require(metrics.compressionRatio).mean - (ratios[0] + ratios[1]) / 2) < 1e-12)
        let hom = Self.records.map { Homogenization.score($0.samples)! }
        #expect(abs(try #require(metrics.homogenizationRougel).mean - (hom[0] + hom[1]) / 2) < 1e-12)
        #expect(metrics.prompts == 2 && metrics.samplesPerPrompt == 2)
    }

    @Test func rewardsReplaceLogProbsWhenEveryPromptHasThem() throws {
        var records = Self.records
        records[0].rewards = [0.5, 0.1]
        let (partial, _) = try RunSummary.metrics(run: "r", model: "m", records: records)
        #expect(partial.qualityMeasure == "mean_logprob_per_token")
        records[1].rewards = [-0.2, -0.4]
        let (metrics, _) = try RunSummary.metrics(run: "r", model: "m", records: records)
        #expect(metrics.qualityMeasure == "reward" && abs(metrics.quality!.mean - 0.0) < 1e-12)
        // The log-probs stay as the secondary measure: prompt means −2 and −4, as without rewards.
        #expect(metrics.meanLogprobPerToken?.mean == -3 && partial.meanLogprobPerToken?.mean == -3)
        #expect(metrics.styleDiversity == nil && metrics.warnings.contains("no style embedder: style diversity not measured"))
    }
}
