import ArgumentParser
import Models
import Sampling

/// How conformative decoding mixes the base model in (docs/methods.md §8.4), apart from the
/// weight: shared by ``ConformativeOptions`` (`generate`, `evaluate run`: one weight) and
/// `evaluate sweep` (a list of weights).
struct ConformativeMixOptions: ParsableArguments {
    @Option(help: "Mix probabilities (prob) or log-probabilities (log, geometric).") var conformativeSpace: ConformativeDecoding.Space = .probability
    @Option(help: "Take top-p/min-p truncation on the instruct distribution or on the mixture.") var truncateOn: ConformativeDecoding.TruncationSource = .instruct
    @Option(help: "How the base model sees the prompt: chat (its template) or completion (raw text).") var basePromptStyle: PromptStyle = .completion
    @Option(help: "Temperature of the base model's distribution (default: --temperature).") var baseTemperature: Float?

    /// The mix at weight `weight`.
    func decoding(weight: Double) -> ConformativeDecoding {
        ConformativeDecoding(weight: weight, space: conformativeSpace, truncateOn: truncateOn, baseTemperature: baseTemperature)
    }
}
