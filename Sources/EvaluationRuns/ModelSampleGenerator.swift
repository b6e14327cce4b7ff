import Generation
import Models
import Sampling

/// Samples a language model (with its LoRA adapter, and a base model for conformative decoding)
/// the way the evaluation protocol does (docs/methods.md §9): the prompt rendered through the
/// model's chat template with the system prompt, the base model seeing it as `basePromptStyle`
/// says. The models are loaded on first use, so a run whose samples are all on disk never reads
/// the weights.
public final class ModelSampleGenerator: SampleGenerator {
    public struct Options {
        public var model: String
        public var adapter: String?
        public var baseModel: String?
        public var baseAdapter: String?
        /// How the base model sees the prompt.
        public var basePromptStyle: PromptStyle
        /// Conformative decoding with the base model (needs `baseModel`; docs/methods.md §8).
        public var conformative: ConformativeDecoding?
        /// System prompt for chat rendering (nil = none).
        public var system: String?
        public var maxTokens: Int
        public var sampling: SamplingParameters
        /// A prompt's samples decoded together (docs/methods.md §12); the samples are the same for any value.
        public var maxBatch: Int

        public init(model: String, adapter: String? = nil, baseModel: String? = nil, baseAdapter: String? = nil,
                    basePromptStyle: PromptStyle = .completion, conformative: ConformativeDecoding? = nil, system: String?,
                    maxTokens: Int, sampling: SamplingParameters, maxBatch: Int = Generator.defaultMaxBatch) {
            self.model = model
            self.adapter = adapter
            self.baseModel = baseModel
            self.baseAdapter = baseAdapter
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
                     baseAdapter: options.baseAdapter, conformativeWeight: options.conformative?.weight)
    }

    public func samples(prompt: String, count: Int, firstSeed: UInt64) throws -> [SampledText] {
        let (generator, renderer, baseRenderer) = try load()
        let ids = try renderer.ids(prompt: prompt, style: .chat, system: options.system)
        let baseIds = try baseRenderer.map { try $0.ids(prompt: prompt, style: options.basePromptStyle) }
        var parameters = GenerationParameters(maxTokens: options.maxTokens, sampling: options.sampling, seed: firstSeed)
        parameters.conformative = options.conformative
        return try generator.generate(promptIds: ids, basePromptIds: baseIds, count: count, parameters: parameters,
                                      maxBatch: options.maxBatch).map { sample in
            SampledText(text: sample.text, tokens: sample.ids.count,
                        logprobPerToken: sample.logprobs.isEmpty ? nil : sample.logprobs.reduce(0) { $0 + Double($1) } / Double(sample.logprobs.count),
                        finishReason: sample.finishReason.rawValue)
        }
    }

    private func load() throws -> (Generator, PromptRenderer, PromptRenderer?) {
        if let loaded { return loaded }
        let model = try LanguageModel.load(path: options.model, adapter: options.adapter)
        let base = try options.baseModel.map { try LanguageModel.load(path: $0, adapter: options.baseAdapter) }
        let made = (Generator(model: model, base: base), try PromptRenderer(model: model), try base.map { try PromptRenderer(model: $0) })
        loaded = made
        return made
    }
}
