import ArgumentParser
import Models
import Sampling

/// The options of conformative decoding (docs/methods.md §8.4), shared by `generate` and
/// `evaluate run`: the base model, the weight and how the base's distribution is mixed in.
struct ConformativeOptions: ParsableArguments {
    @OptionGroup var base: BaseModelOptions
    @Option(help: "Conformative mixing weight w in [0, 1]: p = (1 − w)·p_model + w·p_base (needs --base-model; generate: default 0, evaluate run: required with --base-model).")
    var conformativeWeight: Double?
    @OptionGroup var mix: ConformativeMixOptions

    /// How the base model sees the prompt.
    var basePromptStyle: PromptStyle { mix.basePromptStyle }

    func validate() throws {
        if base.baseModel == nil && conformativeWeight != nil { throw ValidationError("--conformative-weight needs --base-model") }
    }

    /// The mix to sample with: nil without a base model, weight 0 when none was given.
    var decoding: ConformativeDecoding? {
        guard base.baseModel != nil else { return nil }
        return mix.decoding(weight: conformativeWeight ?? 0)
    }
}

extension ConformativeDecoding.Space: ExpressibleByArgument {}
extension ConformativeDecoding.TruncationSource: ExpressibleByArgument {}
extension PromptStyle: ExpressibleByArgument {}
