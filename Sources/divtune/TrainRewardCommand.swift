import Base
import ArgumentParser
import Foundation
import Models
import Monitor
import Preference
import RewardModeling
import TensorEngine
import Tokenizers
import TorchBackend
import Training

/// `divtune train reward`: the paper's reward model (docs/methods.md §6.3) — a scalar head on the last
/// token's final hidden state plus LoRA, regressed on transformed upvote scores (L1 by default),
/// with Spearman, R² and MAE on a held-out split after every epoch. `--config` and the flags are
/// read as by the other train commands (``RewardRunSettings``); `--backend torch` trains the same
/// examples in the same order from the same head with PyTorch (docs/scale-out.md §8).
struct TrainRewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Train a reward model (score head + LoRA) on scored responses.")

    @Option(help: "The base model: a .gguf file or an HF folder with safetensors.") var model: String?
    @Option(help: "JSON Lines: {\"prompt\", \"response\", \"score\"} per line, or the grouped {\"prompt\", \"responses\": [{\"text\", \"score\"}]} of `prepare --input` (raw upvotes unless --targets transformed).") var data: String?
    @Option(help: "Output folder: PEFT adapter, reward_head.safetensors, reward_config.json, metrics.jsonl.") var output: String?
    @Option(help: "YAML file of snake_case flag names (configs/paper/reward.yaml); flags override it.") var config: String?
    @Flag(help: "Delete the previous reward model in --output first; without it a non-empty --output is refused.") var overwrite = false
    @Option(help: "Loss: l1 (the paper, default) or mse.") var loss: RewardTrainer.Loss?
    @Option(help: "raw (default): apply the paper's score transform with the file's global min/max; transformed: scores are targets already.")
    var targets: RewardRunSettings.Targets?
    @Option(help: "With --targets raw, the transform variant: consistent-shift (the intended map onto [-1, 1], default) or reference (the released code's; equal when the minimum score is 1).")
    var scoreTransform: ScoreTransform.Variant?
    @Option(help: "Epochs (default 3).") var epochs: Int?
    @Option(help: "Stop after this many optimizer steps (a short reward model, as the demo trains; default: every epoch whole).") var maxSteps: Int?
    @Option(help: "Learning rate (default 3e-5, the paper's).") var learningRate: Float?
    @Option(help: "Examples per optimizer step (default 4).") var batchSize: Int?
    @OptionGroup var lora: LoRAOptions
    @Flag(help: "Run each batch as one packed row (attention kept within each example) instead of one example at a time, as TRL's padding_free. Same results.") var paddingFree = false
    @Option(help: "Maximum tokens per input (default 2048, the paper's).") var maxLength: Int?
    @Option(name: [.customLong("validation-split"), .customLong("validation-fraction")], help: "Share of examples held out for validation (default 0.1).")
    var validationSplit: Double?
    @Option(help: "Seed for the split, initialisation and shuffling (default 0).") var seed: UInt64?
    @Option(help: "Threads for the engine.") var threads: Int?
    @Option(help: "Also report metrics to: none or tensorboard (event files in OUTPUT/runs), as TRL's report_to.") var reportTo: ReportTarget?
    @OptionGroup var scaleOut: TorchBackendOptions

    /// The LoRA flags are checked as they are parsed, as in `train` (the rest once merged with the file).
    func validate() throws {
        _ = try lora.configuration(over: RewardRunSettings.paperLoRA)
    }

    /// The run's settings: the config file's, with the flags given taking their place.
    func settings() throws -> RewardRunSettings {
        var flags = TrainingSettings()
        for (key, value) in [("model", model), ("data", data), ("output", output)] { flags.setFlag(key, value) }
        if overwrite { flags.setFlag("overwrite", true) }
        flags.setFlag("loss", loss?.rawValue)
        flags.setFlag("targets", targets?.rawValue)
        flags.setFlag("score_transform", scoreTransform?.rawValue)
        for (key, value) in [("epochs", epochs), ("max_steps", maxSteps), ("batch_size", batchSize), ("max_length", maxLength), ("threads", threads)] {
            flags.setFlag(key, value)
        }
        flags.setFlag("learning_rate", learningRate)
        lora.record(in: &flags)
        if paddingFree { flags.setFlag("padding_free", true) }
        flags.setFlag("validation_split", validationSplit)
        flags.setFlag("seed", seed)
        flags.setFlag("report_to", reportTo?.rawValue)
        return try RewardRunSettings(try config.map(TrainingSettings.init(configFile:))?.overridden(by: flags) ?? flags)
    }

    func run() throws {
        let s = try settings()
        if let launch = try scaleOut.launch() { return try runOnTorch(s, launch: launch) }
        let outputURL = URL(fileURLWithPath: s.output)
        let folder = TrainingRunFolder(url: outputURL, otherOutputs: [RewardModel.headFile, RewardModel.configFile])
        try folder.startNew(overwrite: s.overwrite)
        EngineThreads.configure(s.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let lm = try LanguageModel.load(path: s.model)
        let resolved = try s.examples(tokenizer: lm.tokenizer)
        let examples = resolved.examples
        let (trainIndices, validationIndices) = RewardTrainer.split(count: examples.count, validationFraction: s.validationSplit, seed: s.seed)
        let reward = try RewardModel(model: lm.model, lora: s.lora, seed: s.seed)
        let trainer = try RewardTrainer(model: reward, options: s.trainerOptions)
        let log = try TrainingLog(url: folder.metricsURL)
        if s.reportTo == .tensorboard { log.onRecord = try TrainingTensorBoard(folder: folder, arguments: nil).write }
        let progress = TrainingProgress()
        print("training on \(trainIndices.count) examples, validating on \(validationIndices.count); \(trainer.totalSteps(trainingOn: trainIndices.count)) steps")
        let last = try trainer.train(trainIndices.map { examples[$0] }, validation: validationIndices.map { examples[$0] }) { event in
            try log.record(event)
            progress.show(event)
        }
        try reward.save(directory: outputURL, config: s.config(resolved, validation: last.validation, tokenizer: lm.tokenizer))
        if log.contextSplits > 0 {
            print("padding-free: \(log.contextSplits) extra rows were started where a batch overran the model's context of"
                  + " \(lm.model.configuration.maxPositionEmbeddings) tokens (context_splits in metrics.jsonl)")
        }
        print(String(format: "epoch %d: train loss %.4f", last.epoch, last.trainLoss))
        if let v = last.validation {
            print(String(format: "validation (n=%d): Spearman %.4f  R² %.4f  MAE %.4f", v.count, v.spearman, v.r2, v.mae))
        }
        print("saved the reward model in \(outputURL.path)")
    }

    /// `--backend torch`: the examples, split, epoch orders and first head are resolved here, from
    /// the base folder's tokenizer, and handed over in the run spec (docs/scale-out.md §8).
    func runOnTorch(_ s: RewardRunSettings, launch: TorchLaunch) throws {
        if s.reportTo != .none { throw ValidationError("--report-to is not available with --backend torch yet") }
        guard s.batchSize % launch.numProcesses == 0 else {
            throw ValidationError("--batch-size \(s.batchSize) must be a multiple of --num-processes \(launch.numProcesses): each process takes an equal share of a step's examples")
        }
        // The estimate's run: a micro-batch of one process's share, at the configured length and LoRA shape.
        var sized = TrainingSettings()
        for (key, value) in [("model", s.model), ("lora_rank", String(s.lora.rank)), ("lora_alpha", String(s.lora.alpha)),
                             ("lora_targets", s.lora.targetModules.joined(separator: ",")),
                             ("batch_size", String(s.batchSize / launch.numProcesses)), ("max_length", String(s.maxLength))] {
            sized.setFlag(key, value)
        }
        let estimateConfiguration = try TrainingConfiguration.forRun(.sft, settings: sized)
        var values: [String: Any] = [
            "model": TrainingConfiguration.absolutePath(s.model), "loss": s.loss.rawValue, "epochs": s.epochs, "batch_size": s.batchSize,
            "learning_rate": Double(String(s.learningRate))!, "lora_rank": s.lora.rank, "lora_alpha": Double(String(s.lora.alpha))!,
            "lora_dropout": Double(String(s.lora.dropout))!, "lora_targets": s.lora.targetModules, "max_length": s.maxLength,
            "validation_split": s.validationSplit, "seed": s.seed, "targets": s.targets.rawValue,
        ]
        if let maxSteps = s.maxSteps { values["max_steps"] = maxSteps }
        if s.targets == .raw { values["score_transform"] = s.scoreTransform.rawValue }
        let spec = TorchRunSpec(configuration: estimateConfiguration, data: s.data, output: URL(fileURLWithPath: s.output), overwrite: s.overwrite,
                                resume: nil, launch: launch, reward: TorchRewardRun(settings: values))
        try scaleOut.start(spec, threads: s.threads) { spec in
            // A folder holding a run was refused already unless --overwrite, which clears it here.
            if s.overwrite {
                try TrainingRunFolder(url: spec.output, otherOutputs: [RewardModel.headFile, RewardModel.configFile, TorchRunSpec.fileName,
                                                                       TorchRewardRun.dataFile]).startNew(overwrite: true)
            }
            spec.reward?.resolved = try Self.resolve(s)
        }
    }

    /// The torch run's data: the base folder's tokenizer (not its weights) makes the examples.
    static func resolve(_ s: RewardRunSettings) throws -> TorchRewardRun.Resolved {
        let folder = URL(fileURLWithPath: s.model)
        let tokenizer = try BPETokenizer(tokenizerJSON: folder.appendingPathComponent("tokenizer.json"))
        let resolved = try s.examples(tokenizer: tokenizer)
        let examples = resolved.examples.map { TorchRewardRun.Example(ids: $0.ids, target: $0.target) }
        let (train, validation) = RewardTrainer.split(count: examples.count, validationFraction: s.validationSplit, seed: s.seed)
        let shape = try TorchMemoryEstimate.shape(modelFolder: folder)
        let encoder = JSONEncoder()
        let config = try JSONSerialization.jsonObject(with: encoder.encode(s.config(resolved, validation: nil, tokenizer: tokenizer))) as? [String: Any] ?? [:]
        return .init(train: train.map { examples[$0] }, validation: validation.map { examples[$0] },
                     epochOrders: RewardTrainer.epochOrders(count: train.count, epochs: s.epochs, seed: s.seed),
                     initialHead: RewardModel.initialHead(hiddenSize: shape.hiddenSize, seed: s.seed).scalars, config: config)
    }
}

extension ScoreTransform.Variant: ExpressibleByArgument {}
extension RewardTrainer.Loss: ExpressibleByArgument {}
extension RewardRunSettings.Targets: ExpressibleByArgument {}
