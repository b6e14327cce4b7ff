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

    /// The resume gap: a rerun with other sampling settings or another seed is refused, naming
    /// each differing setting and the ways on, and leaves the samples as they were.
    @Test func aRerunWithOtherSettingsIsRefusedNamingThem() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let samples = folder.appendingPathComponent("samples.jsonl")
        // Only the first prompt is sampled, so a rerun would have prompts left to append.
        _ = try Self.run(folder, prompts: Array(Self.prompts.prefix(1))).run()
        let recorded = try #require(try SampleSettings.load(from: folder))
        #expect(recorded.values == ["model": "scripted", "temperature": "1.0", "seed": "5", "seed_scheme": "seed + 1000·prompt + sample"])
        let before = try Data(contentsOf: samples)

        let hotter = ScriptedGenerator()
        hotter.settings["temperature"] = "0.7"
        let error = errorText { _ = try Self.run(folder, seed: 6, generator: hotter).run() }
        #expect(error == "--seed 6, --temperature 0.7 conflict with the samples in \(folder.path)/samples.jsonl, drawn with seed 5,"
                + " temperature 1.0 (\(folder.path)/sample_settings.json); give the recorded settings to resume that run,"
                + " or another --output to start a new one", "\(error)")
        #expect(try hotter.calls.isEmpty && Data(contentsOf: samples) == before)
        // A setting one side lacks is "none" there.
        let adapted = ScriptedGenerator()
        adapted.settings["system"] = "Be brief."
        #expect(errorText { _ = try Self.run(folder, generator: adapted).run() }
            .hasPrefix("--system \"Be brief.\" conflicts with the samples in \(folder.path)/samples.jsonl, drawn with system none ("))

        // The recorded settings resume.
        let same = ScriptedGenerator()
        _ = try Self.run(folder, generator: same).run()
        #expect(same.calls.map(\.firstSeed) == [1005, 2005])
    }

    /// Settings recorded by a run killed before its first sample bind nothing: a rerun with other
    /// settings records its own. A run written before settings were recorded still resumes.
    @Test func settingsBindOnlyAFolderWithSamples() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let cold = ScriptedGenerator()
        cold.settings["temperature"] = "0.5"
        try SampleSettings(cold.settings).write(to: folder)
        _ = try Self.run(folder).run()
        #expect(try SampleSettings.load(from: folder)?.values["temperature"] == "1.0")

        // Before this change: samples.jsonl without sample_settings.json.
        let samples = folder.appendingPathComponent("samples.jsonl")
        let complete = try Data(contentsOf: samples)
        try (complete.split(separator: 0x0A)[0] + Data("\n".utf8)).write(to: samples)
        try FileManager.default.removeItem(at: SampleSettings.url(in: folder))
        let legacy = ScriptedGenerator()
        legacy.settings["temperature"] = "0.5"
        _ = try Self.run(folder, generator: legacy).run()
        #expect(try legacy.calls.map(\.firstSeed) == [1005, 2005] && Data(contentsOf: samples) == complete)
        #expect(try SampleSettings.load(from: folder) == nil, "settings it cannot vouch for are not recorded")

        // A damaged settings file is an error naming it.
        try Data("{\"model\": 3}".utf8).write(to: SampleSettings.url(in: folder))
        let damaged = errorText { _ = try Self.run(folder).run() }
        #expect(damaged.hasPrefix(SampleSettings.url(in: folder).path), "\(damaged)")
    }

    /// `--prompt-style` binds a folder like any setting; a folder recorded before the style was
    /// recorded was sampled through the chat template, so it resumes with chat and refuses completion.
    @Test func aChangedPromptStyleIsRefusedAndAnUnrecordedOneIsChat() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let chat = ScriptedGenerator()
        chat.settings["prompt_style"] = "chat"
        _ = try Self.run(folder, prompts: Array(Self.prompts.prefix(1)), generator: chat).run()
        #expect(try SampleSettings.load(from: folder)?.values["prompt_style"] == "chat")
        let completion = ScriptedGenerator()
        completion.settings["prompt_style"] = "completion"
        #expect(errorText { _ = try Self.run(folder, generator: completion).run() }
            .hasPrefix("--prompt-style completion conflicts with the samples in \(folder.path)/samples.jsonl, drawn with prompt-style chat ("))
        #expect(completion.calls.isEmpty)

        // Recorded before prompt_style existed.
        var old = try #require(try SampleSettings.load(from: folder))
        old.values["prompt_style"] = nil
        try old.write(to: folder)
        #expect(errorText { _ = try Self.run(folder, generator: completion).run() }
            .hasPrefix("--prompt-style completion conflicts with the samples in \(folder.path)/samples.jsonl, drawn with prompt-style chat ("))
        _ = try Self.run(folder, generator: chat).run()
        #expect(chat.calls.map(\.firstSeed) == [5, 1005, 2005])
        // A generator that records no style (a server) is not held to the implied one.
        #expect(SampleSettings(["model": "m"]).differences(given: SampleSettings(["model": "m"])).isEmpty)
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
