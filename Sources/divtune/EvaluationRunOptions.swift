import ArgumentParser
import EvaluationRuns
import Foundation
import Reports

/// What every command that measures an evaluation run shares (`evaluate run`, `evaluate gold`):
/// seed, name, threads, the reward model, the embedders and the output folder — and the one way
/// such a run is built, measured and reported (``EvaluationRun``, then `report.html`).
struct EvaluationRunOptions: ParsableArguments {
    @Option(help: "Seed; prompt i, sample j uses seed + 1000·i + j, so resumed runs match uninterrupted ones (evaluate gold: the draw of prompt i's responses).")
    var seed: UInt64 = 0
    @Option(help: "Run name in reports (default: the output folder's name).") var name: String?
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "A reward model folder (`divtune train reward`): quality = mean reward (else evaluate run: the mean log-prob per token; evaluate gold: not measured).")
    var reward: String?
    @Option(help: "The base model of --reward (default: the base_model recorded in its reward_config.json).") var rewardBaseModel: String?
    @OptionGroup var embedders: EmbedderOptions
    @Option(help: "Output folder.") var output: String

    /// The run these options describe over `prompts`, sampling through `generator`. The embedders
    /// load here, before sampling, so a missing one fails before minutes of it.
    func evaluation(prompts: [String], samplesPerPrompt: Int, generator: any SampleGenerator) throws -> EvaluationRun {
        let outputURL = URL(fileURLWithPath: output)
        let spaces = try embedders.spaces()
        return EvaluationRun(
            prompts: prompts, samplesPerPrompt: samplesPerPrompt, seeds: SeedScheme(base: seed),
            name: name ?? outputURL.lastPathComponent, output: outputURL, generator: generator,
            scorer: reward.map { RewardModelScorer(directory: URL(fileURLWithPath: $0), baseModel: rewardBaseModel) }, spaces: spaces)
    }

    /// Runs `evaluation` with its progress drawn (`onEvent` sees every event too), writes
    /// `report.html` and prints the run's table row and embedders.
    @discardableResult
    static func measure(_ evaluation: EvaluationRun, onEvent: (EvaluationEvent) -> Void = { _ in }) throws -> EvaluationRun.Result {
        let progress = EvaluateProgress()
        let result = try evaluation.run { event in
            progress.show(event)
            onEvent(event)
        }
        let report = try writeReport(result, of: evaluation)
        for (header, value) in zip(ComparisonReport.tableHeaders, report.tableRows[0]) { print("\(header): \(value)") }
        print("semantic embedder: \(result.metrics.embedder ?? "none")")
        print("style embedder: \(result.metrics.styleEmbedder ?? "none")")
        print("wrote metrics.json, prompt_metrics.jsonl and report.html in \(evaluation.output.path)")
        return result
    }

    /// Renders `report.html` in the run folder.
    @discardableResult
    static func writeReport(_ result: EvaluationRun.Result, of evaluation: EvaluationRun) throws -> ComparisonReport {
        let report = ComparisonReport(title: "DivTune evaluation: \(evaluation.name)", runs: [result.metrics], samples: [result.records],
                                      folder: evaluation.output)
        try ReportFile.write(report.html(), to: evaluation.output.appendingPathComponent("report.html"))
        return report
    }
}
