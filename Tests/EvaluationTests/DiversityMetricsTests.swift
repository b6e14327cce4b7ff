import Base
import Foundation
import Testing
@testable import Evaluation

@Suite struct DiversityMetricsTests {
    @Test func lcsMatchesTheFullTable() {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let a = (0..<rng.next(below: 30)).map { _ in Int32(rng.next(below: 5)) }
            let b = (0..<rng.next(below: 30)).map { _ in Int32(rng.next(below: 5)) }
            var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0..<a.count { for j in 0..<b.count {
                table[i + 1][j + 1] = a[i] == b[j] ? table[i][j] + 1 : max(table[i][j + 1], table[i + 1][j])
            } }
            #expect(RougeL.lcsLength(a, b) == table[a.count][b.count])
        }
    }

    @Test func homogenizationEdgeCases() {
        #expect(Homogenization.score(["same", "same", "same"]) == 1)
        #expect(Homogenization.score(["a b", "c d", "e f"]) == 0)
        #expect(Homogenization.score(["a b", "c d"], compat: .diversity02) == 0)
        #expect(Homogenization.score(["x", "x", "x", "x"], compat: .diversity02) == 3, "0.2.0's all-identical quirk")
        #expect(Homogenization.score(["one"]) == nil && Homogenization.score([]) == nil)
    }

    @Test func embeddingDiversity() throws {
        #expect(try EmbeddingDiversity.meanPairwiseCosineDistance([[1, 0], [0, 1], [0, 2]]) == 2.0 / 3.0)
        #expect(try EmbeddingDiversity.meanPairwiseCosineDistance([[1, 1], [2, 2]]).map { abs($0) < 1e-12 } == true)
        #expect(try EmbeddingDiversity.meanPairwiseCosineDistance([[1, 1]]) == nil)
        #expect(throws: EvaluationError.self) { try EmbeddingDiversity.meanPairwiseCosineDistance([[1], [1, 2]]) }
    }

    @Test func promptMetricsAndWarnings() throws {
        let single = try DiversityMetrics.compute(samples: ["Just one story."], semanticEmbeddings: [[1, 0]])
        #expect(single.semantic == nil && single.homogenization == nil && single.compressionRatio != nil)
        #expect(single.warnings.count == 1)
        let empty = try DiversityMetrics.compute(samples: [])
        #expect(empty.compressionRatio == nil && empty.warnings == ["no samples"])
        #expect(throws: EvaluationError.self) { try DiversityMetrics.compute(samples: ["a", "b"], styleEmbeddings: [[1]]) }
        let pair = try DiversityMetrics.compute(samples: ["a b c d", "a b x y"], semanticEmbeddings: [[1, 0], [0, 1]],
                                                styleEmbeddings: [[1, 0], [1, 0]], compat: .diversity02)
        #expect(pair.semantic == 1 && pair.style == 0 && pair.homogenization == 0.25 && pair.warnings.isEmpty)
    }

    @Test func batchEqualsOneByOne() throws {
        let prompts = (0..<12).map { p in (0..<(p % 4 + 1)).map { DiversityBenchmark.text(words: 40, seed: UInt64(p * 10 + $0)) } }
        let batch = try DiversityMetrics.compute(prompts: prompts)
        for (p, samples) in prompts.enumerated() {
            var single = try DiversityMetrics.compute(samples: samples)
            single.warnings = single.warnings.map { "prompt \(p): \($0)" }
            #expect(batch[p] == single)
        }
        let summary = try DiversityMetrics.summarize(batch, resamples: 200)
        #expect(summary.homogenization?.count == 9 && summary.homogenization?.skipped == 3)
        #expect(summary.warnings.count == 3 && summary.semantic == nil)
    }

    @Test func benchmarkTextIsDeterministic() {
        let a = DiversityBenchmark.text(words: 50, seed: 1)
        #expect(a == DiversityBenchmark.text(words: 50, seed: 1) && a != DiversityBenchmark.text(words: 50, seed: 2))
        #expect(a.split(separator: " ").count == 50 && a.hasSuffix("."))
        let timings = DiversityBenchmark.measure(DiversityBenchmark.textSets(prompts: 4, samples: 2, words: 30), repeats: 3, threads: 2)
        #expect(timings.map(\.metric) == ["compression_ratio", "homogenization_rougel", "ngram_diversity", "embedding_diversity_768d"])
        #expect(timings.allSatisfy { $0.seconds.count == 3 && $0.median >= 0 })
        #expect(DiversityBenchmark.Timing(metric: "m", seconds: [3, 1, 2, 10]).median == 2.5)
    }
}
