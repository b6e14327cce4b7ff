import ArgumentParser
import Models
import Sampling

/// The options of conformative decoding (docs/methods.md §8.4), shared by `generate` and
/// `evaluate run`: the base model and how its distribution is mixed with the model's.
struct ConformativeOptions: ParsableArguments {
    @OptionGroup var base: BaseModelOptions
    @Option(help: "Conformative mixing weight w in [0, 1]: p = (1 − w)·p_model + w·p_base (needs --base-model; generate: default 0, evaluate run: required with --base-model).")
    var conformativeWeight: Double?
    @Option(help: "Mix probabilities (prob) or log-probabilities (log, geometric).") var conformativeSpace: ConformativeDecoding.Space = .probability
    @Option(help: "Take top-p/min-p truncation on the instruct distribution or on the mixture.") var truncateOn: ConformativeDecoding.TruncationSource = .instruct
    @Option(help: "How the base model sees the prompt: chat (its template) or completion (raw text).") var basePromptStyle: PromptStyle = .completion
    @Option(help: "Temperature of the base model's distribution (default: --temperature).") var baseTemperature: Float?

    func validate() throws {
        if base.baseModel == nil && conformativeWeight != nil { throw ValidationError("--conformative-weight needs --base-model") }
    }

    /// The mix to sample with: nil without a base model, weight 0 when none was given.
    var decoding: ConformativeDecoding? {
        guard base.baseModel != nil else { return nil }
        return ConformativeDecoding(weight: conformativeWeight ?? 0, space: conformativeSpace, truncateOn: truncateOn,
                                    baseTemperature: baseTemperature)
    }
}

extension ConformativeDecoding.Space: ExpressibleByArgument {}
extension ConformativeDecoding.TruncationSource: ExpressibleByArgument {}
extension PromptStyle: ExpressibleByArgument {}
