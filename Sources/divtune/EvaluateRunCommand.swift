import ArgumentParser
import EvaluationRuns
import Foundation
import Generation
import Models
import Sampling
import TensorEngine

/// `divtune evaluate run`: the paper's evaluation protocol (docs/methods.md §9) for one model —
/// the flags become an ``EvaluationRun`` (sampling through a ``ModelSampleGenerator``, or an
/// ``OpenAISampleGenerator`` with --openai-base-url, a ``TorchSampleGenerator`` with --backend torch; quality
/// by a ``RewardModelScorer`` when given), which writes `samples.jsonl`, `metrics.json` and
/// `prompt_metrics.jsonl`; this command draws its progress and renders `report.html`.
struct EvaluateRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Sample a model on prompts and measure quality and diversity (metrics.json, report.html).")

    @Option(help: "The model: a .gguf file or an HF model folder (or sample a server: --openai-base-url).") var model: String?
    @Option(help: "A PEFT LoRA adapter folder applied to --model.") var adapter: String?
    @OptionGroup var endpoint: OpenAIEndpointOptions
    @OptionGroup var engine: EvaluateBackendOptions
    @OptionGroup var conformative: ConformativeOptions
    @OptionGroup var prompting: ProtocolOptions
    @OptionGroup var measured: EvaluationRunOptions

    func validate() throws {
        try engine.validate(server: endpoint.openaiBaseUrl != nil)
        // A server samples on its own weights: nothing local applies to it.
        if endpoint.openaiBaseUrl != nil {
            let local = [model.map { _ in "--model" }, adapter.map { _ in "--adapter" }, conformative.base.baseModel.map { _ in "--base-model" }]
            if let flag = local.compactMap({ $0 }).first { throw ValidationError("\(flag) and --openai-base-url exclude each other") }
            // A chat-completions server always applies its template.
            if prompting.promptStyle == .completion { throw ValidationError("--prompt-style completion and --openai-base-url exclude each other") }
        } else if model == nil {
            throw ValidationError("give --model (a local model) or --openai-base-url (a server)")
        }
        // A run's metrics name its weight, so a conformative run states it.
        if conformative.base.baseModel != nil && conformative.conformativeWeight == nil {
            throw ValidationError("--base-model needs --conformative-weight")
        }
    }

    /// What the run samples with: the model, the conformative mix and the sampling options
    /// (used without --openai-base-url, when validate() has made sure --model is given).
    var options: ModelSampleGenerator.Options {
        prompting.generatorOptions(model: model ?? "", adapter: adapter, base: conformative.base, basePromptStyle: conformative.basePromptStyle,
                             conformative: conformative.decoding)
    }

    func run() throws {
        EngineThreads.configure(measured.threads)
        let server = try endpoint.generator(system: prompting.systemPrompt, maxTokens: prompting.maxTokens, sampling: prompting.sampling.parameters)
        let torch = try server == nil ? engine.generator(options, output: measured.output, threads: measured.threads) : nil
        let evaluation = try self.evaluation(generator: server ?? torch ?? ModelSampleGenerator(options) as any SampleGenerator)
        try EvaluationRunOptions.measure(evaluation) { event in
            guard case let .sampled(sampled, tokens) = event else { return }
            if sampled == 0 {
                print("all \(evaluation.prompts.count) prompts already sampled in \(evaluation.samplesFile.path); measuring")
            } else {
                print("sampled \(sampled) prompts × \(prompting.samplesPerPrompt) (\(tokens) tokens) → \(evaluation.samplesFile.path)")
            }
        }
    }

    /// The run the flags describe, sampling through `generator` (`bench evaluate` wraps the model's).
    func evaluation(generator: any SampleGenerator) throws -> EvaluationRun {
        try measured.evaluation(prompts: prompting.promptTexts(), samplesPerPrompt: prompting.samplesPerPrompt, generator: generator)
    }
}
