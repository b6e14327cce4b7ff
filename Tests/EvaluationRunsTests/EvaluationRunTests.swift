import Base
import Embeddings
import Evaluation
@testable import EvaluationRuns
import Foundation
import Testing

/// The evaluation protocol on a scripted generator: seeds, resume (also from a cut-off last
/// line), rewards, embedding and the files a run writes.
@Suite struct EvaluationRunTests {
    static let prompts = ["A lighthouse keeper collects letters.", "Snow in July.", "The last baker in town."]

    static func run(_ folder: URL, prompts: [String] = prompts, samples: Int = 2, seed: UInt64 = 5,
                    generator: ScriptedGenerator = ScriptedGenerator(), scorer: (any SampleScorer)? = nil,
                    semantic: TextEmbedder = HashEmbedder()) -> EvaluationRun {
        EvaluationRun(prompts: prompts, samplesPerPrompt: samples, seeds: SeedScheme(base: seed), name: "scripted", output: folder,
                      generator: generator, scorer: scorer,
                      spaces: EmbeddingSpaces(semantic: semantic, semanticName: "hash", style: StylometricEmbedder(), styleName: "stylometric"))
    }

    @Test func sampleJOfPromptPDrawsWithSeedPlus1000PPlusJ() {
        let seeds = SeedScheme(base: 7)
        #expect(seeds.firstSeed(prompt: 0) == 7 && seeds.firstSeed(prompt: 3) == 3007)
        #expect(seeds.seed(prompt: 2, sample: 1) == 2008)
        #expect(SeedScheme(base: .max).seed(prompt: 0, sample: 1) == 0, "seeds wrap")
    }

    @Test func writesSamplesMetricsAndPromptMetrics() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let generator = ScriptedGenerator()
        var events: [EvaluationEvent] = []
        let result = try Self.run(folder, generator: generator).run { events.append($0) }

        #expect(generator.calls.map(\.firstSeed) == [5, 1005, 2005] && generator.calls.allSatisfy { $0.count == 2 })
        let records = try JSONLines.read(SampleRecord.self, from: folder.appendingPathComponent("samples.jsonl"))
        #expect(records == result.records && records.map(\.promptIndex) == [0, 1, 2])
        #expect(records[1].samples[1].contains("seed 1006") && records[1].tokens == [3 + 1005 % 4, 3 + 1006 % 4])
        #expect(records[0].finishReasons == ["length", "stop"] && records.allSatisfy { $0.rewards == nil })

        #expect(try RunMetrics.load(runDirectory: folder) == result.metrics)
        #expect(result.metrics.qualityMeasure == QualityMeasure.meanLogprobPerToken.rawValue)
        #expect(result.metrics.model == "scripted" && result.metrics.run == "scripted" && result.metrics.prompts == 3)
        #expect(result.metrics.embedder == "hash" && result.metrics.styleEmbedder == "stylometric")
        #expect(DiversityMetric.allCases.allSatisfy { result.metrics.estimate($0) != nil })
        let lines = try JSONLines.read(PromptMetrics.self, from: folder.appendingPathComponent("prompt_metrics.jsonl"))
        #expect(lines == result.promptMetrics && lines.map(\.promptIndex) == [0, 1, 2])
        let firstLine = try String(contentsOf: folder.appendingPathComponent("prompt_metrics.jsonl"), encoding: .utf8).split(separator: "\n")[0]
        for metric in DiversityMetric.allCases { #expect(firstLine.contains("\"\(metric.rawValue)\":")) }

        #expect(events.contains { if case .started(.sample, 3) = $0 { return true }; return false })
        #expect(events.contains { if case .sampled(3, _) = $0 { return true }; return false })
        #expect(events.contains { if case .started(.embed, 12) = $0 { return true }; return false })
    }

    @Test func aRerunSamplesOnlyTheMissingPromptsAndEndsWithTheSameFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = folder.appendingPathComponent("samples.jsonl")
        _ = try Self.run(folder).run()
        let complete = try Data(contentsOf: samples)
        let lines = complete.split(separator: 0x0A, omittingEmptySubsequences: false)
        try (lines[0] + Data("\n".utf8)).write(to: samples)

        let generator = ScriptedGenerator()
        var events: [EvaluationEvent] = []
        _ = try Self.run(folder, generator: generator).run { events.append($0) }
        #expect(generator.calls.map(\.firstSeed) == [1005, 2005])
        #expect(try Data(contentsOf: samples) == complete)

        // Everything on disk: nothing is sampled.
        let idle = ScriptedGenerator()
        _ = try Self.run(folder, generator: idle).run { events.append($0) }
        #expect(idle.calls.isEmpty && events.contains { if case .sampled(0, 0) = $0 { return true }; return false })
    }

    /// Issue 23: a run killed while appending leaves half a line; the rerun drops it, samples that
    /// prompt again and leaves the file exactly as an uninterrupted run would.
    @Test func aCutOffLastLineDoesNotBlockResume() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = folder.appendingPathComponent("samples.jsonl")
        _ = try Self.run(folder).run()
        let complete = try Data(contentsOf: samples)
        let lines = complete.split(separator: 0x0A)
        // Torn half-way through the second record.
        try (lines[0] + Data("\n".utf8) + lines[1].prefix(lines[1].count / 2)).write(to: samples)
        let generator = ScriptedGenerator()
        _ = try Self.run(folder, generator: generator).run()
        #expect(generator.calls.map(\.firstSeed) == [1005, 2005])
        #expect(try Data(contentsOf: samples) == complete)

        // A whole last record without its line end is kept (and ended).
        try (lines[0] + Data("\n".utf8) + lines[1]).write(to: samples)
        let rest = ScriptedGenerator()
        _ = try Self.run(folder, generator: rest).run()
        #expect(rest.calls.map(\.firstSeed) == [2005])
        #expect(try Data(contentsOf: samples) == complete)
    }

    @Test func aFolderOfOtherPromptsOrSampleCountsIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Self.run(folder).run()
        let samples = folder.appendingPathComponent("samples.jsonl").path
        let otherPrompts = errorText { _ = try Self.run(folder, prompts: ["Something else."]).run() }
        #expect(otherPrompts.hasPrefix("\(samples):1:") && otherPrompts.contains("use another --output"))
        let otherCount = errorText { _ = try Self.run(folder, samples: 3).run() }
        #expect(otherCount.contains("2 samples") && otherCount.contains("use another --output"))
        // A smaller prompt list reuses the first records and measures only those.
        let fewer = ScriptedGenerator()
        let result = try Self.run(folder, prompts: Array(Self.prompts.prefix(2)), generator: fewer).run()
        #expect(fewer.calls.isEmpty && result.records.count == 2)
        // A malformed line that is not the last is an error naming it, not a torn line.
        let text = try String(contentsOfFile: samples, encoding: .utf8)
        try ("{\"prompt_index\": \n" + text).write(toFile: samples, atomically: true, encoding: .utf8)
        #expect(errorText { _ = try Self.run(folder).run() }.hasPrefix("\(samples):1:"))
    }

    @Test func rewardsAreScoredAtMeasurementAndNeverStored() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.run(folder, scorer: LengthScorer()).run()
        #expect(result.metrics.qualityMeasure == QualityMeasure.reward.rawValue)
        #expect(result.records.allSatisfy { $0.rewards == $0.samples.map { Double($0.count) } })
        let expected = result.records.map { r in r.samples.reduce(0.0) { $0 + Double($1.count) } / Double(r.samples.count) }
        #expect(abs(try #require(result.metrics.quality).mean - expected.reduce(0, +) / 3) < 1e-9)
        #expect(!(try String(contentsOf: folder.appendingPathComponent("samples.jsonl"), encoding: .utf8)).contains("rewards"))
    }

    @Test func vectorsAreSplitBackToTheirPrompts() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Prompt 0's samples point the same way, prompt 1's are orthogonal, prompt 2's opposite.
        let semantic = LookupEmbedder { text in
            let seed = Int(text.split(separator: " ").first { $0.hasSuffix(":") }!.dropLast())!
            switch (seed / 1000, seed % 1000) {
            case (0, _): return [1, 0]
            case (1, 5): return [1, 0]
            case (1, _): return [0, 1]
            case (_, 5): return [1, 0]
            default: return [-1, 0]
            }
        }
        var run = Self.run(folder, semantic: semantic)
        run.embeddingBatch = 5   // batches cross prompt boundaries
        let result = try run.run()
        let distances = result.promptMetrics.map { $0.diversity[.semanticDiversity] }
        #expect(distances == [0, 1, 2])
    }
}
