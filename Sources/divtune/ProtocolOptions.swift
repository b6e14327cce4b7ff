import ArgumentParser
import EvaluationRuns
import Foundation
import Generation
import Models
import Sampling

/// The evaluation protocol's prompts and sampling (docs/methods.md §9), shared by every command that
/// samples a model on prompts and measures it (`evaluate run`, `evaluate sweep`): which prompts, how
/// the model sees them, how many samples of how many tokens, the sampler and the system prompt.
struct ProtocolOptions: ParsableArguments {
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

    func validate() throws {
        guard samplesPerPrompt >= 1 else { throw ValidationError("--samples-per-prompt must be ≥ 1") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be ≥ 1") }
        guard maxBatch >= 1 else { throw ValidationError("--max-batch must be ≥ 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be ≥ 1") }
    }

    /// `--system`, nil when empty.
    var systemPrompt: String? { system.isEmpty ? nil : system }

    /// The prompts' texts (the first `--limit`); none is an error naming the file.
    func promptTexts() throws -> [String] {
        let texts = try EvaluationRun.readPrompts(URL(fileURLWithPath: prompts), limit: limit)
        guard !texts.isEmpty else { throw ValidationError("\(prompts) holds no prompts") }
        return texts
    }

    /// The generator options for `model` under this protocol, with the conformative mix given.
    func generatorOptions(model: String, adapter: String?, base: BaseModelOptions, basePromptStyle: PromptStyle,
                          conformative: ConformativeDecoding?) -> ModelSampleGenerator.Options {
        ModelSampleGenerator.Options(
            model: model, adapter: adapter, baseModel: base.baseModel, baseAdapter: base.baseAdapter, promptStyle: promptStyle,
            basePromptStyle: basePromptStyle, conformative: conformative, system: systemPrompt, maxTokens: maxTokens,
            sampling: sampling.parameters, maxBatch: maxBatch)
    }
}
