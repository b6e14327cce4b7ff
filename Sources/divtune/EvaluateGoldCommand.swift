import ArgumentParser
import EvaluationRuns
import Foundation
import Preference
import Reports
import TensorEngine

/// `divtune evaluate gold`: the human-written responses of a scored dataset measured as a run —
/// the papers' human-diversity line (docs/methods.md §9) — so `evaluate compare` sets them beside
/// the models' runs with the same metrics, embedders and intervals.
struct EvaluateGoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gold",
        abstract: "Measure the human-written responses of a dataset as an evaluation run (the papers' human line).")

    @Option(help: ArgumentHelp("Scored responses (JSON Lines, as `prepare --input`).", valueName: "RAW.jsonl")) var data: String
    @Option(help: "Input layout: auto, grouped or flat.") var format: PreferenceInputFormat = .auto
    @Option(help: "Only these prompts, in this order (JSON Lines with a \"prompt\" string, e.g. the test prompts); default: every prompt of --data.")
    var prompts: String?
    @Option(help: "Use only the first N prompts.") var limit: Int?
    @Option(help: "Responses drawn per prompt (the paper's samples per prompt: 4).") var samplesPerPrompt = 4
    @Option(help: "Seed of the draw; prompt i uses seed + 1000·i, as `evaluate run`.") var seed: UInt64 = 0
    @Option(help: "Run name in reports (default: the output folder's name).") var name: String?
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "A reward model folder (`divtune train reward`): quality = mean reward of the responses (else not measured).")
    var reward: String?
    @Option(help: "The base model of --reward (default: the base_model recorded in its reward_config.json).") var rewardBaseModel: String?
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Output folder.") var output: String

    func validate() throws {
        guard samplesPerPrompt >= 1 else { throw ValidationError("--samples-per-prompt must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
    }

    func run() throws {
        EngineThreads.configure(threads)
        let dataset = try PreferenceDataset.read(url: URL(fileURLWithPath: data), format: format)
        var responses: [String: [String]] = [:]
        for group in dataset.prompts { responses[group.prompt, default: []] += group.responses.map(\.text) }
        var promptTexts = try prompts.map { try EvaluationRun.readPrompts(URL(fileURLWithPath: $0)) } ?? dataset.prompts.map(\.prompt)
        if let limit { promptTexts = Array(promptTexts.prefix(limit)) }
        guard !promptTexts.isEmpty else { throw ValidationError("\(prompts ?? data) holds no prompts") }
        let outputURL = URL(fileURLWithPath: output)
        let evaluation = EvaluationRun(
            prompts: promptTexts, samplesPerPrompt: samplesPerPrompt, seeds: SeedScheme(base: seed),
            name: name ?? outputURL.lastPathComponent, output: outputURL,
            generator: HumanResponseSampler(responses: responses, source: data),
            scorer: reward.map { RewardModelScorer(directory: URL(fileURLWithPath: $0), baseModel: rewardBaseModel) },
            spaces: try embedders.spaces())
        let progress = EvaluateProgress()
        let result = try evaluation.run { progress.show($0) }
        let report = try EvaluateRunCommand.writeReport(result, of: evaluation)
        for (header, value) in zip(ComparisonReport.tableHeaders, report.tableRows[0]) { print("\(header): \(value)") }
        print("wrote metrics.json, prompt_metrics.jsonl and report.html in \(evaluation.output.path)")
    }
}
