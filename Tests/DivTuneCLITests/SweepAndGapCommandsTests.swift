import Base
import Embeddings
import Evaluation
import EvaluationRuns
import Foundation
import Testing
@testable import divtune

/// `evaluate sweep` and `evaluate gap` at quick sizes on the real SmolLM2-135M-Instruct (its own
/// base model for conformative decoding, a few tokens per sample) with the tiny RoBERTa fixture as
/// the semantic embedder: every weight's run, the resumed rerun that skips them, the curve's
/// report; then the gap of the sweep's runs against a completion-style run of the same model.
@Suite(.serialized) struct SweepAndGapCommandsTests {
    static var smolLM: String { get throws { try EvaluationCommandsTests.smolLM } }
    static let run = EvaluationCommandsTests.run
    static let errorText = EvaluationCommandsTests.errorText
    static let json = EvaluationCommandsTests.json

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("divtune-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func sweepRunsEachWeightOnceAndGapComparesStagesWithTheBase() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let prompts = folder.appendingPathComponent("prompts.jsonl")
        try Data("{\"prompt\": \"Snow in July.\"}\n{\"prompt\": \"A dragon learns to knit.\"}\n".utf8).write(to: prompts)
        let sweep = folder.appendingPathComponent("sweep")
        let common = ["--model", try Self.smolLM, "--prompts", prompts.path, "--samples-per-prompt", "3", "--max-tokens", "6",
                      "--embedder", EvaluationCommandsTests.tinyEmbedder, "--threads", "2"]
        let arguments = ["evaluate", "sweep"] + common + ["--base-model", try Self.smolLM, "--conformative-weight", "0,0.5", "--output", sweep.path]
        try Self.run(arguments)
        for (weight, label) in [(0.0, "w=0"), (0.5, "w=0.5")] {
            let run = sweep.appendingPathComponent(label)
            let metrics = try Self.json(run.appendingPathComponent("metrics.json"))
            #expect(metrics["conformative_weight"] as? Double == weight && metrics["run"] as? String == label)
            #expect(metrics["prompts"] as? Int == 2 && metrics["prompt_style"] as? String == "chat")
            let settings = try Self.json(run.appendingPathComponent("sample_settings.json"))
            #expect(settings["conformative_weight"] as? String == String(weight) && settings["seed"] as? String == "0")
        }
        let report = try Self.json(sweep.appendingPathComponent("sweep.json"))
        let points = try #require(report["points"] as? [[String: Any]])
        #expect(points.map { $0["weight"] as? Double } == [0, 0.5])
        #expect(points.allSatisfy { (($0["metrics"] as? [String: Any])?["quality"] as? [String: Any])?["mean"] as? Double != nil })
        let svg = try String(contentsOf: sweep.appendingPathComponent("sweep.svg"), encoding: .utf8)
        // Two weights in each of the five diversity panels.
        #expect(svg.components(separatedBy: "class=\"point\"").count - 1 == 10)
        let html = try String(contentsOf: sweep.appendingPathComponent("sweep.html"), encoding: .utf8)
        #expect(html.contains("w=0.5") && html.contains("Metrics per weight"))

        // A rerun finds both weights measured and samples nothing (samples.jsonl untouched).
        let samples = sweep.appendingPathComponent("w=0.5/samples.jsonl")
        let before = try Data(contentsOf: samples)
        let modified = try FileManager.default.attributesOfItem(atPath: samples.path)[.modificationDate] as? Date
        try Self.run(arguments)
        #expect(try Data(contentsOf: samples) == before)
        #expect(try FileManager.default.attributesOfItem(atPath: samples.path)[.modificationDate] as? Date == modified)

        // The gap: the completion-style run as the "base", the sweep's runs as stages.
        let completion = folder.appendingPathComponent("completion")
        try Self.run(["evaluate", "run"] + common + ["--prompt-style", "completion", "--output", completion.path])
        let completionMetrics = try Self.json(completion.appendingPathComponent("metrics.json"))
        #expect(completionMetrics["prompt_style"] as? String == "completion")
        #expect(try String(contentsOf: completion.appendingPathComponent("report.html"), encoding: .utf8).contains("completion: completion"))
        let gap = folder.appendingPathComponent("gap")
        try Self.run(["evaluate", "gap", "--base", completion.path, "--run", "chat=\(sweep.path)/w=0", "--run", "mixed=\(sweep.path)/w=0.5",
                      "--embedder", EvaluationCommandsTests.tinyEmbedder, "--resamples", "200", "--output", gap.path])
        let gapReport = try Self.json(gap.appendingPathComponent("gap.json"))
        let stages = try #require(gapReport["stages"] as? [[String: Any]])
        #expect(stages.map { $0["name"] as? String } == ["chat", "mixed"])
        for stage in stages {
            let differences = try #require(stage["differences"] as? [[String: Any]])
            #expect(Set(differences.compactMap { $0["metric"] as? String }).isSuperset(of: ["quality", "semantic_diversity"]))
            let mauve = try #require(stage["mauve"] as? [String: Any])
            let score = try #require(mauve["mauve"] as? Double), precision = try #require(mauve["precision"] as? Double)
            #expect(score > 0 && score <= 1 && precision >= 0 && precision <= 1)
            // 6 samples a side: mauve-text's auto rule gives max(2, round(0.6)) = 2 buckets.
            #expect(mauve["buckets"] as? Int == 2)
        }
        let gapHTML = try String(contentsOf: gap.appendingPathComponent("gap.html"), encoding: .utf8)
        #expect(gapHTML.contains("MAUVE against the base") && gapHTML.contains("chat − base"))
        #expect(FileManager.default.fileExists(atPath: gap.appendingPathComponent("gap.svg").path))
    }

    /// Every weight's run takes the sweep's mix, sampling and prompt options; only the weight and
    /// the folder differ.
    @Test func eachWeightRunsWithTheSweepsOptions() throws {
        let parsed = try DivTune.parseAsRoot(["evaluate", "sweep", "--model", "m", "--adapter", "a", "--base-model", "b", "--base-adapter", "ba",
                                              "--conformative-weight", "0, 0.25", "--conformative-space", "log", "--truncate-on", "mixture",
                                              "--base-prompt-style", "chat", "--base-temperature", "0.7", "--prompt-style", "completion",
                                              "--min-p", "0.05", "--seed", "3", "--prompts", "p.jsonl", "--output", "out"])
        let sweep = try #require(parsed as? EvaluateSweepCommand)
        #expect(try EvaluateSweepCommand.weights(sweep.conformativeWeight) == [0, 0.25])
        let spaces = EmbeddingSpaces(semantic: StylometricEmbedder(), semanticName: "s", style: StylometricEmbedder(), styleName: "s")
        let run = sweep.evaluation(weight: 0.25, prompts: ["p"], spaces: spaces)
        let settings = run.settings.values
        #expect(run.name == "w=0.25" && run.output.path.hasSuffix("out/w=0.25") && settings["seed"] == "3")
        #expect(settings["conformative_weight"] == "0.25" && settings["conformative_space"] == "log" && settings["truncate_on"] == "mixture")
        #expect(settings["base_prompt_style"] == "chat" && settings["base_temperature"] == "0.7" && settings["prompt_style"] == "completion")
        #expect(settings["min_p"] == "0.05" && settings["top_k"] == "50" && settings["adapter"]?.hasSuffix("/a") == true)
    }

    @Test func badInputsAreNamed() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = ["evaluate", "sweep", "--model", "m", "--base-model", "m", "--prompts", "p.jsonl", "--output", "o"]
        #expect(Self.errorText(sweep + ["--conformative-weight", "0,1.5"]).contains("1.5 lies outside [0, 1]"))
        #expect(Self.errorText(sweep + ["--conformative-weight", "0,x"]).contains("'x' is not a number"))
        #expect(Self.errorText(sweep + ["--conformative-weight", "0.1,0.1"]).contains("twice"))
        #expect(Self.errorText(["evaluate", "sweep", "--model", "m", "--prompts", "p", "--output", "o", "--conformative-weight", "0"])
            .contains("needs --base-model"))
        let missing = folder.appendingPathComponent("nope").path
        #expect(Self.errorText(["evaluate", "gap", "--base", missing, "--run", "sft=\(missing)", "--output", "o"]).contains(missing))
        #expect(Self.errorText(["evaluate", "gap", "--base", missing, "--run", "sft", "--output", "o"]).contains("NAME=DIR"))
        #expect(Self.errorText(["evaluate", "gap", "--base", missing, "--output", "o"]).contains("at least one --run"))
        #expect(Self.errorText(["evaluate", "gap", "--base", missing, "--run", "base=x", "--output", "o"]).contains("'base'"))
        // A run folder without samples.jsonl names the file.
        let bare = folder.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        let metrics = RunMetrics(run: "bare", model: "m", quality: nil, qualityMeasure: "reward", semanticDiversity: nil, styleDiversity: nil,
                                 compressionRatio: nil, homogenizationRougel: nil, ngramDiversity: nil, prompts: 0, samplesPerPrompt: 0)
        try metrics.write(runDirectory: bare)
        #expect(Self.errorText(["evaluate", "gap", "--base", bare.path, "--run", "sft=\(bare.path)", "--output", "o"])
            .contains(bare.appendingPathComponent("samples.jsonl").path))
        #expect(Self.errorText(["evaluate", "run", "--openai-base-url", "http://127.0.0.1:9/v1", "--prompts", "p", "--output", "o",
                                "--prompt-style", "completion"]).contains("--prompt-style completion and --openai-base-url"))
    }
}
