import Base
import ArgumentParser
import Foundation
import Models
import Monitor
import Preference
import RewardModeling
import TensorEngine
import Training

/// `divtune train reward`: the paper's reward model (docs/methods.md §6.3) — a scalar head on the last
/// token's final hidden state plus LoRA, regressed on transformed upvote scores (L1 by default),
/// with Spearman, R² and MAE on a held-out split after every epoch.
struct TrainRewardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward", abstract: "Train a reward model (score head + LoRA) on scored responses.")

    @Option(help: "The base model: a .gguf file or an HF folder with safetensors.") var model: String
    @Option(help: "JSON Lines: {\"prompt\", \"response\", \"score\"} per line, or the grouped {\"prompt\", \"responses\": [{\"text\", \"score\"}]} of `prepare --input` (raw upvotes unless --targets transformed).") var data: String
    @Option(help: "Output folder: PEFT adapter, reward_head.safetensors, reward_config.json, metrics.jsonl.") var output: String
    @Flag(help: "Delete the previous reward model in --output first; without it a non-empty --output is refused.") var overwrite = false
    @Option(help: "Loss: l1 (the paper) or mse.") var loss: String = "l1"
    @Option(help: "raw: apply the paper's score transform with the file's global min/max; transformed: scores are targets already.")
    var targets: String = "raw"
    @Option(help: "With --targets raw, the transform variant: consistent-shift (the intended map onto [-1, 1]) or reference (the released code's; equal when the minimum score is 1).")
    var scoreTransform: ScoreTransform.Variant = .consistentShift
    @Option(help: "Epochs.") var epochs = 3
    @Option(help: "Stop after this many optimizer steps (a short reward model, as the demo trains; default: every epoch whole).") var maxSteps: Int?
    @Option(help: "Learning rate (the paper: 3e-5).") var learningRate: Float = 3e-5
    @Option(help: "Examples per optimizer step.") var batchSize = 4
    @OptionGroup var lora: LoRAOptions
    @Flag(help: "Run each batch as one packed row (attention kept within each example) instead of one example at a time, as TRL's padding_free. Same results.") var paddingFree = false
    @Option(help: "Maximum tokens per input (the paper: 2048).") var maxLength = 2048
    @Option(help: "Share of examples held out for validation.") var validationFraction = 0.1
    @Option(help: "Seed for the split, initialisation and shuffling.") var seed: UInt64 = 0
    @Option(help: "Threads for the engine.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Also report metrics to: none or tensorboard (event files in OUTPUT/runs), as TRL's report_to.") var reportTo: ReportTarget = .none

    /// The paper's reward-model LoRA: rank 16, alpha 32 (LoRA's defaults), no dropout, on q_proj and v_proj.
    static let paperLoRA = LoRAConfiguration(dropout: 0, targetModules: HFModuleNames.peftDefaultTargets)

    func validate() throws {
        guard RewardTrainer.Loss(rawValue: loss) != nil else { throw ValidationError("--loss must be l1 or mse") }
        guard targets == "raw" || targets == "transformed" else { throw ValidationError("--targets must be raw or transformed") }
        guard validationFraction >= 0, validationFraction < 1 else { throw ValidationError("--validation-fraction must be in [0, 1)") }
        guard maxLength >= 2 else { throw ValidationError("--max-length must be ≥ 2") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--learning-rate must be a positive number, got \(learningRate)") }
        _ = try lora.configuration(over: Self.paperLoRA)
        guard epochs >= 1, batchSize >= 1 else { throw ValidationError("--epochs and --batch-size must be ≥ 1") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be ≥ 1") }
    }

    func run() throws {
        let outputURL = URL(fileURLWithPath: output)
        let folder = TrainingRunFolder(url: outputURL, otherOutputs: [RewardModel.headFile, RewardModel.configFile])
        try folder.startNew(overwrite: overwrite)
        EngineThreads.configure(threads)
        let url = URL(fileURLWithPath: data)
        var rows: [(prompt: String, response: String, score: Double)] = []
        for row in try JSONLines.rows(of: url) {
            let prompt = try row.string("prompt")
            var scored: [(response: String, score: Double, field: String)] = []
            if let grouped = row.value("responses") {
                // The grouped layout of `prepare --input`: each response of the prompt is an example.
                guard case .array(let responses) = grouped else {
                    throw row.error("must be a list of {\"text\", \"score\"} objects, found \(grouped.typeName)", field: "responses")
                }
                for (i, item) in responses.enumerated() {
                    guard case .string(let text)? = item["text"] else { throw row.error("missing or not a string", field: "responses[\(i)].text") }
                    guard case .number(let score)? = item["score"], score.isFinite else {
                        throw row.error("missing or not a finite number", field: "responses[\(i)].score")
                    }
                    scored.append((text, score, "responses[\(i)].score"))
                }
            } else {
                guard let score = try row.finiteNumber("score") else { throw row.error("missing", field: "score") }
                scored.append((try row.string("response"), score, "score"))
            }
            for example in scored {
                if targets == "transformed" && abs(example.score) > 1 {
                    throw row.error("\(example.score) is outside [-1, 1] (use --targets raw for upvotes)", field: example.field)
                }
                rows.append((prompt, example.response, example.score))
            }
        }
        guard rows.count >= 2 else { throw FileError(path: url.path, reason: "needs at least 2 examples") }
        let scores = rows.map(\.score)
        let transformed = targets == "raw" ? try ScoreTransform.transform(scores, variant: scoreTransform) : scores

        let lm = try LanguageModel.load(path: model)
        let examples = zip(rows, transformed).map { row, target in
            (ids: RewardExample.ids(prompt: row.prompt, response: row.response, tokenizer: lm.tokenizer, maxLength: maxLength), target: target)
        }
        let (trainIndices, validationIndices) = RewardTrainer.split(count: examples.count, validationFraction: validationFraction, seed: seed)
        var loraConfiguration = try lora.configuration(over: Self.paperLoRA)
        loraConfiguration.baseModelNameOrPath = model
        let reward = try RewardModel(model: lm.model, lora: loraConfiguration, seed: seed)
        let trainer = try RewardTrainer(model: reward, options: .init(epochs: epochs, learningRate: learningRate, batchSize: batchSize,
                                                                        loss: RewardTrainer.Loss(rawValue: loss) ?? .l1, seed: seed,
                                                                        paddingFree: paddingFree, maxSteps: maxSteps))
        let log = try TrainingLog(url: folder.metricsURL)
        if reportTo == .tensorboard { log.onRecord = try TrainingTensorBoard(folder: folder, arguments: nil).write }
        let progress = TrainingProgress()
        print("training on \(trainIndices.count) examples, validating on \(validationIndices.count); \(trainer.totalSteps(trainingOn: trainIndices.count)) steps")
        let last = try trainer.train(trainIndices.map { examples[$0] }, validation: validationIndices.map { examples[$0] }) { event in
            try log.record(event)
            progress.show(event)
        }
        let config = RewardConfig(baseModel: model, maxLength: maxLength, loss: loss,
                                  scoreMinimum: targets == "raw" ? scores.min() : nil, scoreMaximum: targets == "raw" ? scores.max() : nil,
                                  scoreTransform: targets == "raw" ? scoreTransform.rawValue : nil,
                                  validation: last.validation, tokenizer: lm.tokenizer)
        try reward.save(directory: outputURL, config: config)
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
}

extension ScoreTransform.Variant: ExpressibleByArgument {}
