import ArgumentParser
import Base
import Evaluation
import EvaluationRuns
import Foundation
import Generation
import Models
import Reports
import Sampling
import TensorEngine

/// `divtune evaluate sweep`: the quality–diversity curve of conformative decoding (docs/methods.md
/// §8.6) — one evaluation run per weight into `OUTPUT/w=<weight>/` (the protocol of `evaluate run`,
/// each resumable: a rerun samples only what is missing and measures every weight again), then `sweep.html`, `sweep.svg` and `sweep.json` in OUTPUT.
struct EvaluateSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Evaluate conformative decoding at several weights: the quality–diversity curve (sweep.html, sweep.json).")

    @Option(help: "The model: a .gguf file or an HF model folder.") var model: String
    @Option(help: "A PEFT LoRA adapter folder applied to --model.") var adapter: String?
    @OptionGroup var base: BaseModelOptions
    @Option(help: "Conformative weights to evaluate, comma-separated, each in [0, 1] (e.g. 0,0.1,0.2,0.3).")
    var conformativeWeight: String
    @OptionGroup var mix: ConformativeMixOptions
    @OptionGroup var prompting: ProtocolOptions
    @Option(help: "Seed of every weight's run (prompt i, sample j uses seed + 1000·i + j), so the weights differ only by the mix.") var seed: UInt64 = 0
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "A reward model folder (`divtune train reward`): quality = mean reward instead of mean log-prob per token.")
    var reward: String?
    @Option(help: "The base model of --reward (default: the base_model recorded in its reward_config.json).") var rewardBaseModel: String?
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Output folder: one run folder per weight (w=<weight>) and sweep.html, sweep.svg, sweep.json.") var output: String

    /// The weights of --conformative-weight, in the order given.
    static func weights(_ text: String) throws -> [Double] {
        let weights = try text.split(separator: ",", omittingEmptySubsequences: false).map { item -> Double in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            guard let w = Double(trimmed), w.isFinite else { throw ValidationError("--conformative-weight: '\(trimmed)' is not a number") }
            guard (0...1).contains(w) else { throw ValidationError("--conformative-weight: \(trimmed) lies outside [0, 1]") }
            return w
        }
        guard Set(weights).count == weights.count else { throw ValidationError("--conformative-weight lists a weight twice: \(text)") }
        return weights
    }

    func validate() throws {
        _ = try Self.weights(conformativeWeight)
        guard base.baseModel != nil else { throw ValidationError("evaluate sweep needs --base-model (the distribution mixed in)") }
    }

    /// The run of weight `weight` in its folder under --output.
    func evaluation(weight: Double, prompts promptTexts: [String], spaces: EmbeddingSpaces) -> EvaluationRun {
        let options = prompting.generatorOptions(model: model, adapter: adapter, base: base, basePromptStyle: mix.basePromptStyle,
                                           conformative: mix.decoding(weight: weight))
        let label = ConformativeSweepReport.label(weight)
        return EvaluationRun(
            prompts: promptTexts, samplesPerPrompt: prompting.samplesPerPrompt, seeds: SeedScheme(base: seed), name: label,
            output: URL(fileURLWithPath: output).appendingPathComponent(label), generator: ModelSampleGenerator(options),
            scorer: reward.map { RewardModelScorer(directory: URL(fileURLWithPath: $0), baseModel: rewardBaseModel) }, spaces: spaces)
    }

    func run() throws {
        EngineThreads.configure(threads)
        let weights = try Self.weights(conformativeWeight)
        let promptTexts = try prompting.promptTexts()
        let spaces = try embedders.spaces()
        var points: [ConformativeSweepReport.Point] = []
        for weight in weights {
            // Always through the run: a weight whose samples are all on disk samples nothing, and
            // measuring again keeps its metrics true to this call's reward model and embedders.
            let evaluation = self.evaluation(weight: weight, prompts: promptTexts, spaces: spaces)
            print("\(evaluation.name): evaluating into \(evaluation.output.path)")
            let progress = EvaluateProgress()
            let result = try evaluation.run(events: progress.show)
            try EvaluationRunOptions.writeReport(result, of: evaluation)
            points.append(.init(weight: weight, folder: evaluation.output.path, metrics: result.metrics))
        }
        let report = ConformativeSweepReport(title: "DivTune: conformative decoding sweep", points: points)
        let folder = URL(fileURLWithPath: output)
        try ReportFile.write(report.svg(), to: folder.appendingPathComponent("sweep.svg"))
        try ReportFile.write(report.json(), to: folder.appendingPathComponent("sweep.json"))
        try ReportFile.write(report.html(), to: folder.appendingPathComponent("sweep.html"))
        print(ConformativeSweepReport.tableHeaders.prefix(4).joined(separator: " | "))
        for row in report.tableRows { print(row.prefix(4).joined(separator: " | ")) }
        print("wrote sweep.html, sweep.svg and sweep.json in \(folder.path)")
    }
}
