import ArgumentParser
import EvaluationRuns
import Foundation
import Preference
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
    @OptionGroup var measured: EvaluationRunOptions

    func validate() throws {
        guard samplesPerPrompt >= 1 else { throw ValidationError("--samples-per-prompt must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
    }

    func run() throws {
        EngineThreads.configure(measured.threads)
        let dataset = try PreferenceDataset.read(url: URL(fileURLWithPath: data), format: format)
        var responses: [String: [String]] = [:]
        for group in dataset.prompts { responses[group.prompt, default: []] += group.responses.map(\.text) }
        var promptTexts = try prompts.map { try EvaluationRun.readPrompts(URL(fileURLWithPath: $0)) } ?? dataset.prompts.map(\.prompt)
        if let limit { promptTexts = Array(promptTexts.prefix(limit)) }
        guard !promptTexts.isEmpty else { throw ValidationError("\(prompts ?? data) holds no prompts") }
        let evaluation = try measured.evaluation(prompts: promptTexts, samplesPerPrompt: samplesPerPrompt,
                                            generator: HumanResponseSampler(responses: responses, source: data))
        try EvaluationRunOptions.measure(evaluation)
    }
}
