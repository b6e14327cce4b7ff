import ArgumentParser
import Models
import Training

/// `--lora-rank`, `--lora-alpha`, `--lora-dropout`, `--lora-targets`: the LoRA of a new adapter,
/// shared by `train` (where they are settings of the run, also in its config file) and `train
/// reward`. Left out, the command's default applies; ``TrainingConfiguration`` checks the values.
struct LoRAOptions: ParsableArguments {
    @Option(help: "LoRA rank (default \(Self.train.rank); train reward: \(Self.reward.rank)).") var loraRank: Int?
    @Option(help: "LoRA alpha (default \(Self.train.alpha); train reward: \(Self.reward.alpha)).") var loraAlpha: Float?
    @Option(help: "LoRA dropout (default \(Self.train.dropout); train reward: \(Self.reward.dropout), the paper's).") var loraDropout: Float?
    @Option(help: "Target modules, comma-separated (default \(Self.train.targetModules.joined(separator: ",")); train reward: \(Self.reward.targetModules.joined(separator: ",")), the paper's).")
    var loraTargets: String?

    /// The defaults the help names: a training run's (LoRA's own) and the reward model's.
    private static let train = LoRAConfiguration(), reward = RewardRunSettings.paperLoRA

    /// The options given, as settings of a training run.
    func record(in settings: inout TrainingSettings) {
        settings.setFlag("lora_rank", loraRank)
        settings.setFlag("lora_alpha", loraAlpha)
        settings.setFlag("lora_dropout", loraDropout)
        settings.setFlag("lora_targets", loraTargets)
    }

    /// `defaults` changed by the options given, checked as a training run checks them.
    func configuration(over defaults: LoRAConfiguration) throws -> LoRAConfiguration {
        var settings = TrainingSettings()
        record(in: &settings)
        return try TrainingConfiguration.forRun(.sft, settings: settings).lora(over: defaults)
    }
}
