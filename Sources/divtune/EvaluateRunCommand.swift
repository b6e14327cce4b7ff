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
    @Option(help: "Prompts, JSON Lines with a \"prompt\" string per line.") var prompts: String
    @Option(help: "How the model sees each prompt: chat (its chat template with --system; the protocol's) or completion (the raw prompt text, as train --prompt-style completion).")
    var promptStyle: PromptStyle = .chat
    @Option(help: "Use only the first N prompts.") var limit: Int?
    @Option(help: "Samples per prompt (the paper: 4).") var samplesPerPrompt = 4
    @Option(help: "Maximum new tokens per sample (the paper: 2048).") var maxTokens = 2048
    @OptionGroup var sampling: SamplingOptions<ProtocolSampling>
    @Option(help: "Samples decoded together, of one prompt or several (one pass over the weights per step; the samples do not change).")
    var maxBatch = Generator.defaultMaxBatch
    @Option(help: "System prompt for chat rendering (empty = none); the paper's by default.")
    var system = Self.paperSystem
    /// The system prompt of Chung et al.'s evaluation (also the in-training probes').
    static let paperSystem = "You write a creative writing based on the user-given writing prompt."
    @OptionGroup var measured: EvaluationRunOptions

    func validate() throws {
        guard samplesPerPrompt >= 1 else { throw ValidationError("--samples-per-prompt must be ≥ 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
        try engine.validate(server: endpoint.openaiBaseUrl != nil)
        // A server samples on its own weights: nothing local applies to it.
        if endpoint.openaiBaseUrl != nil {
            let local = [model.map { _ in "--model" }, adapter.map { _ in "--adapter" }, conformative.base.baseModel.map { _ in "--base-model" }]
            if let flag = local.compactMap({ $0 }).first { throw ValidationError("\(flag) and --openai-base-url exclude each other") }
            // A chat-completions server always applies its template.
            if promptStyle == .completion { throw ValidationError("--prompt-style completion and --openai-base-url exclude each other") }
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
        ModelSampleGenerator.Options(
            model: model ?? "", adapter: adapter, baseModel: conformative.base.baseModel, baseAdapter: conformative.base.baseAdapter,
            promptStyle: promptStyle, basePromptStyle: conformative.basePromptStyle, conformative: conformative.decoding,
            system: system.isEmpty ? nil : system, maxTokens: maxTokens, sampling: sampling.parameters, maxBatch: maxBatch)
    }

    func run() throws {
        EngineThreads.configure(measured.threads)
        let server = try endpoint.generator(system: system.isEmpty ? nil : system, maxTokens: maxTokens, sampling: sampling.parameters)
        let torch = try server == nil ? engine.generator(options, output: measured.output, threads: measured.threads) : nil
        let evaluation = try self.evaluation(generator: server ?? torch ?? ModelSampleGenerator(options) as any SampleGenerator)
        try EvaluationRunOptions.measure(evaluation) { event in
            guard case let .sampled(sampled, tokens) = event else { return }
            if sampled == 0 {
                print("all \(evaluation.prompts.count) prompts already sampled in \(evaluation.samplesFile.path); measuring")
            } else {
                print("sampled \(sampled) prompts × \(samplesPerPrompt) (\(tokens) tokens) → \(evaluation.samplesFile.path)")
            }
        }
    }

    /// The run the flags describe, sampling through `generator` (`bench evaluate` wraps the model's).
    func evaluation(generator: any SampleGenerator) throws -> EvaluationRun {
        let promptTexts = try EvaluationRun.readPrompts(URL(fileURLWithPath: prompts), limit: limit)
        guard !promptTexts.isEmpty else { throw ValidationError("\(prompts) holds no prompts") }
        return try measured.evaluation(prompts: promptTexts, samplesPerPrompt: samplesPerPrompt, generator: generator)
    }
}
