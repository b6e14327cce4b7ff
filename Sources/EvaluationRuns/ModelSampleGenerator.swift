import Foundation
import Generation
import Models
import Sampling

/// Samples a language model (with its LoRA adapter, and a base model for conformative decoding)
/// the way the evaluation protocol does (docs/methods.md §9): the prompt rendered through the
/// model's chat template with the system prompt (or, with `promptStyle` completion, fed as raw
/// text, as `train --prompt-style completion` feeds string prompts), the base model seeing it as
/// `basePromptStyle` says. Samples of several prompts decode together, up to `maxBatch` at a time (docs/methods.md
/// §12). The models are loaded on first use, so a run whose samples are all on disk never reads
/// the weights.
public final class ModelSampleGenerator: SampleGenerator {
    public struct Options {
        public var model: String
        public var adapter: String?
        public var baseModel: String?
        public var baseAdapter: String?
        /// How the model sees the prompt: its chat template with the system prompt (the protocol's
        /// default), or the raw prompt text (completion; the system prompt does not apply).
        public var promptStyle: PromptStyle
        /// How the base model sees the prompt.
        public var basePromptStyle: PromptStyle
        /// Conformative decoding with the base model (needs `baseModel`; docs/methods.md §8).
        public var conformative: ConformativeDecoding?
        /// System prompt for chat rendering (nil = none).
        public var system: String?
        public var maxTokens: Int
        public var sampling: SamplingParameters
        /// Samples decoded together, of one prompt or several (docs/methods.md §12); the samples are
        /// the same for any value.
        public var maxBatch: Int

        public init(model: String, adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                    promptStyle: PromptStyle = .chat, basePromptStyle: PromptStyle = .completion, conformative: ConformativeDecoding? = nil, system: String?,
                    maxTokens: Int, sampling: SamplingParameters, maxBatch: Int = Generator.defaultMaxBatch) {
            self.model = model
            self.adapter = adapter
            self.baseModel = baseModel
            self.baseAdapter = baseAdapter
            self.promptStyle = promptStyle
            self.basePromptStyle = basePromptStyle
            self.conformative = conformative
            self.system = system
            self.maxTokens = maxTokens
            self.sampling = sampling
            self.maxBatch = maxBatch
        }
    }

    public let options: Options
    private var loaded: (generator: Generator, renderer: PromptRenderer, baseRenderer: PromptRenderer?)?

    public init(_ options: Options) { self.options = options }

    /// Samples `model` as it is in memory (a model being trained, with its adapter attached):
    /// `options.model` only names it in `metrics.json`; conformative decoding is not available.
    public init(_ options: Options, model: LanguageModel) throws {
        self.options = options
        loaded = (Generator(model: model, base: nil), try PromptRenderer(model: model), nil)
    }

    public var sampledModel: SampledModel {
        SampledModel(model: options.model, adapter: options.adapter, baseModel: options.baseModel,
                     baseAdapter: options.baseAdapter, conformativeWeight: options.conformative?.weight,
                     promptStyle: options.promptStyle.rawValue)
    }

    /// The options that decide the samples (not `maxBatch`); paths made absolute, the conformative
    /// ones "none" without a base model, since they do not change the samples then.
    public var settings: [String: String] {
        func path(_ path: String?) -> String { path.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "none" }
        let s = options.sampling
        var settings: [String: String] = ["model": path(options.model), "adapter": path(options.adapter)]
        settings["system"] = options.system ?? "none"
        settings["prompt_style"] = options.promptStyle.rawValue
        settings["max_tokens"] = String(options.maxTokens)
        settings["temperature"] = String(s.temperature)
        settings["top_k"] = String(s.topK)
        settings["top_p"] = String(s.topP)
        settings["min_p"] = String(s.minP)
        settings["repetition_penalty"] = String(s.repetitionPenalty)
        settings["repetition_window"] = s.repetitionWindow.map(String.init) ?? "none"
        settings["sampler_order"] = s.order.map(\.rawValue).joined(separator: ",")
        let c = options.baseModel == nil ? nil : options.conformative
        settings["base_model"] = c == nil ? "none" : path(options.baseModel)
        settings["base_adapter"] = c == nil ? "none" : path(options.baseAdapter)
        settings["base_prompt_style"] = c == nil ? "none" : options.basePromptStyle.rawValue
        settings["conformative_weight"] = c.map { String($0.weight) } ?? "none"
        settings["conformative_space"] = c?.space.rawValue ?? "none"
        settings["truncate_on"] = c?.truncateOn.rawValue ?? "none"
        settings["base_temperature"] = c?.baseTemperature.map { String($0) } ?? "none"
        return settings
    }

    public func sample(_ prompts: [PromptToSample], count: Int, finished: (Int, [SampledText]) throws -> Void) throws {
        let (generator, renderer, baseRenderer) = try load()
        let batch = try prompts.map { prompt in
            Generator.Prompt(ids: try promptIds(prompt.prompt, renderer: renderer),
                             baseIds: try baseRenderer.map { try $0.ids(prompt: prompt.prompt, style: options.basePromptStyle) },
                             seed: prompt.firstSeed)
        }
        var parameters = GenerationParameters(maxTokens: options.maxTokens, sampling: options.sampling)
        parameters.conformative = options.conformative
        // A prompt's samples are handed on the moment its last one finishes.
        var done = prompts.map { _ in [SampledText?](repeating: nil, count: count) }
        try withoutActuallyEscaping(finished) { finished in
            _ = try generator.generate(prompts: batch, count: count, parameters: parameters, maxBatch: options.maxBatch,
                                       onSample: { prompt, index, sample in
                done[prompt][index] = SampledText(
                    text: sample.text, tokens: sample.ids.count,
                    logprobPerToken: sample.logprobs.isEmpty ? nil : sample.logprobs.reduce(0) { $0 + Double($1) } / Double(sample.logprobs.count),
                    finishReason: sample.finishReason.rawValue)
                let samples = done[prompt].compactMap { $0 }
                if samples.count == count { try finished(prompt, samples) }
            })
        }
    }

    /// The ids the model is given for `prompt`, in `options.promptStyle` (the system prompt only in chat).
    func promptIds(_ prompt: String, renderer: PromptRenderer? = nil) throws -> [Int] {
        try (renderer ?? load().1).ids(prompt: prompt, style: options.promptStyle, system: options.system)
    }

    /// Loads the models now rather than on first use (`bench evaluate` times loading apart from sampling).
    public func loadModels() throws { _ = try load() }

    private func load() throws -> (Generator, PromptRenderer, PromptRenderer?) {
        if let loaded { return loaded }
        let model = try LanguageModel.load(path: options.model, adapter: options.adapter)
        let base = try options.baseModel.map { try LanguageModel.load(path: $0, adapter: options.baseAdapter) }
        let made = (Generator(model: model, base: base), try PromptRenderer(model: model), try base.map { try PromptRenderer(model: $0) })
        loaded = made
        return made
    }
}
