import ArgumentParser
import Sampling

/// The defaults a command samples with; its ``SamplingOptions`` show and use them.
protocol SamplingDefaults {
    static var parameters: SamplingParameters { get }
}

/// Sampling's own defaults: plain sampling from the full distribution (`generate`).
enum PlainSampling: SamplingDefaults {
    static var parameters: SamplingParameters { SamplingParameters() }
}

/// The evaluation protocol's sampling (docs/methods.md §9): top-k 50, top-p 0.95, repetition
/// penalty 1.1 (`evaluate run`).
enum ProtocolSampling: SamplingDefaults {
    static var parameters: SamplingParameters { SamplingParameters(temperature: 1, topK: 50, topP: 0.95, repetitionPenalty: 1.1) }
}

/// `--temperature` (also `--temp`), `--top-k`, `--top-p`, `--min-p`, `--repetition-penalty`: one
/// name and type in every command that samples, with that command's `Defaults`.
struct SamplingOptions<Defaults: SamplingDefaults>: ParsableArguments {
    @Option(name: [.customLong("temperature"), .customLong("temp")], help: "Temperature (0 = greedy).")
    var temperature: Float = Defaults.parameters.temperature
    @Option(help: "Top-k (0 = off).") var topK: Int = Defaults.parameters.topK
    @Option(help: "Top-p / nucleus (1 = off).") var topP: Double = Defaults.parameters.topP
    @Option(help: "Min-p (0 = off).") var minP: Float = Defaults.parameters.minP
    @Option(help: "Repetition penalty (1 = off).") var repetitionPenalty: Float = Defaults.parameters.repetitionPenalty

    var parameters: SamplingParameters {
        var parameters = Defaults.parameters
        (parameters.temperature, parameters.topK, parameters.topP) = (temperature, topK, topP)
        (parameters.minP, parameters.repetitionPenalty) = (minP, repetitionPenalty)
        return parameters
    }
}
