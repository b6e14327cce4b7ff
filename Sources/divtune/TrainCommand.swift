import ArgumentParser
import EvaluationRuns
import Foundation
import Models
import Monitor
import TensorEngine
import Training

/// `divtune train {sft|dpo|orpo|ddpo|dorpo}`: LoRA training with TRL-compatible objectives.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a LoRA adapter (SFT, DPO, ORPO, or the deviation-weighted DDPO/DORPO).",
        subcommands: [SFT.self, DPO.self, ORPO.self, DDPO.self, DORPO.self, TrainRewardCommand.self])

    struct SFT: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sft", abstract: "Supervised fine-tuning on prompt/completion, messages or text JSONL.")
        @OptionGroup var options: TrainOptions
        func run() throws { try options.train(.sft) }
    }
    struct DPO: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dpo", abstract: "Direct preference optimisation (also DivPO on DivPO-selected pairs).")
        @OptionGroup var options: TrainOptions
        func run() throws { try options.train(.dpo) }
    }
    struct ORPO: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "orpo", abstract: "Odds-ratio preference optimisation (no reference model).")
        @OptionGroup var options: TrainOptions
        func run() throws { try options.train(.orpo) }
    }
    struct DDPO: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ddpo", abstract: "Deviation-weighted DPO (Chung et al. 2025): each pair's loss × its weight.")
        @OptionGroup var options: TrainOptions
        func run() throws { try options.train(.ddpo) }
    }
    struct DORPO: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dorpo", abstract: "Deviation-weighted ORPO (Chung et al. 2025; weight inside the sigmoid, NLL × mean weight).")
        @OptionGroup var options: TrainOptions
        func run() throws { try options.train(.dorpo) }
    }
}

/// The flags of `divtune train`: each given one becomes a setting of the run, over the `--config`
/// file's (docs/formats.md §3.6), and ``TrainingConfiguration`` decodes them with its defaults.
struct TrainOptions: ParsableArguments {
    /// The defaults the help names: the configuration's own, stated there once.
    private static let defaults = TrainingConfiguration()
    @Option(help: "Base model: a .gguf file or an HF model folder.") var model: String?
    @Option(help: "Training data (JSONL).") var data: String?
    @Option(help: "Output folder (adapter, checkpoints, metrics.jsonl).") var output: String?
    @Option(help: "YAML file of snake_case flag names; flags override it.") var config: String?
    @Option(help: "Start from this PEFT adapter (DPO/DDPO also use a frozen copy of it as the reference).") var adapter: String?
    @Option(help: "DPO reference adapter (default: the --adapter start, else the base model).") var referenceAdapter: String?
    @OptionGroup var lora: LoRAOptions
    @Option(help: "β of DPO / λ of ORPO (default \(TrainingConfiguration.defaultBeta)).") var beta: Float?
    @Option(help: "DPO loss (default \(Self.defaults.lossType.rawValue)).") var lossType: DPOObjective.LossType?
    @Option(help: "DORPO weighting: reference (as released, the default) or per-example.") var orpoWeighting: ORPOObjective.Weighting?
    @Option(help: "Peak learning rate (default \(Self.defaults.learningRate)).") var learningRate: Float?
    @Option(help: "Learning-rate schedule (default \(Self.defaults.lrScheduler.rawValue)).") var lrScheduler: LearningRateSchedule.Kind?
    @Option(help: "Linear warm-up steps from 0 (default \(Self.defaults.warmupSteps)).") var warmupSteps: Int?
    @Option(help: "Epochs (default \(Self.defaults.epochs)).") var epochs: Int?
    @Option(help: "Stop after this many optimizer steps (overrides --epochs).") var maxSteps: Int?
    @Option(help: "Examples (pairs) per micro-batch (default \(Self.defaults.batchSize)).") var batchSize: Int?
    @Option(help: "Micro-batches per optimizer step (default \(Self.defaults.gradAccum)).") var gradAccum: Int?
    @Option(help: "Clip the global gradient norm (0 = off; default \(Self.defaults.maxGradNorm)).") var maxGradNorm: Float?
    @Option(help: "AdamW weight decay (default \(Self.defaults.weightDecay)).") var weightDecay: Float?
    @Option(help: "String prompts: completion = raw text, as TRL's standard format (default); chat = through the chat template as one user message (the papers' setting). Message lists always use the template.") var promptStyle: PromptStyle?
    @Option(help: "Maximum prompt + completion tokens (default: whole sequences; ORPO/DORPO: \(TrainingConfiguration.orpoMaxLength), TRL's).") var maxLength: Int?
    @Option(help: "Maximum prompt tokens (the start is cut).") var maxPromptLength: Int?
    @Option(help: "Fraction held out for validation (default \(Self.defaults.validationSplit)).") var validationSplit: Double?
    @Option(help: "Validate every N steps (default \(Self.defaults.stepsPerEval)).") var stepsPerEval: Int?
    @Option(help: "Log metrics every N steps (default \(Self.defaults.loggingSteps); step 1 always).") var loggingSteps: Int?
    @Option(help: "Checkpoint every N steps (0 = only at the end; default \(Self.defaults.saveEvery)).") var saveEvery: Int?
    @Option(help: "Continue from a checkpoint folder (OUTPUT/checkpoint-N); flags left out keep the checkpoint's values, and flags that would change what is trained are refused.") var resume: String?
    @Flag(help: "Delete the previous run in --output (adapter, checkpoint-* folders, metrics.jsonl) before training; without it (or --resume) a non-empty --output is refused.") var overwrite = false
    @Option(help: "Random seed (default \(Self.defaults.seed)).") var seed: UInt64?
    @Flag(help: "SFT: also train on prompt tokens.") var trainOnPrompt = false
    @Flag(inversion: .prefixedNo, help: "Concatenate each micro-batch into one row (attention kept within each example, positions restarting) instead of padding it, as TRL's padding_free; off by default as in TRL. Same results, less arithmetic.") var paddingFree: Bool?
    @Option(help: "Multi-task training on task-tagged data: task=weight,… (e.g. idea=0.5,headline=0.2,naming=0.2,insight=0.1). Each micro-batch comes from one task drawn by weight; loss/<task> and eval_loss/<task> go to metrics.jsonl; tasks not named are not trained.") var taskMixture: String?
    @Option(help: "Temperature T of the mixing rates: each rate (the --task-mixture weight, else the task's row count) raised to 1/T and renormalised, as T5/FLAN; alone it trains every task at size^(1/T).") var mixtureTemperature: Double?
    @Option(help: "Without --task-mixture: cap each task's row count at K before the temperature (T5's examples-proportional mixing cap).") var mixtureCap: Int?
    @Option(help: "Task(s) left out of training and only evaluated (eval_loss/<task>), comma-separated.") var holdoutTask: String?
    @Option(help: "Threads for BLAS and the engine.") var threads: Int?
    @Option(help: "Also report metrics to: none (default) or tensorboard (event files in OUTPUT/runs), as TRL's report_to.") var reportTo: ReportTarget?
    @Option(help: "Probe the current weights' diversity while training: JSON Lines with a \"prompt\" per line; metrics under monitor/… in metrics.jsonl, samples in monitor_samples.jsonl.") var monitorPrompts: String?
    @Option(help: "Probe every N steps, and at step 0 and the last step (default \(TrainingProbe.Options.defaultEvery)).") var monitorEvery: Int?
    @Option(help: "Samples per monitor prompt (default \(TrainingProbe.Options.defaultSamples)).") var monitorSamples: Int?
    @Option(help: "Maximum new tokens per probe sample (default \(TrainingProbe.Options.defaultMaxTokens)).") var monitorMaxTokens: Int?
    @Option(help: "System prompt of the probes (empty = none; default: evaluate run's, the paper's).") var monitorSystem: String?
    @Option(help: "A reward model folder (`divtune train reward`): the probes' quality = mean reward instead of mean log-prob per token.") var reward: String?
    @Option(help: "Warn when a probe's semantic diversity falls below this fraction of step 0's (needs --monitor-prompts).") var diversityFloor: Double?
    @Flag(help: "With --diversity-floor: save a checkpoint and stop when the floor is crossed.") var stopOnCollapse = false
    @Option(help: "The base model of --reward (default: the base_model recorded in its reward_config.json).") var rewardBaseModel: String?
    @OptionGroup var embedders: EmbedderOptions
    @OptionGroup var scaleOut: TorchBackendOptions

    /// The run's settings: the config file's, with the flags given taking their place.
    func settings() throws -> TrainingSettings {
        var flags = TrainingSettings()
        for (key, value) in [("model", model), ("data", data), ("output", output), ("adapter", adapter),
                             ("reference_adapter", referenceAdapter), ("resume", resume)] {
            flags.setFlag(key, value)
        }
        lora.record(in: &flags)
        flags.setFlag("beta", beta)
        flags.setFlag("loss_type", lossType?.rawValue)
        flags.setFlag("orpo_weighting", orpoWeighting?.rawValue)
        flags.setFlag("learning_rate", learningRate)
        flags.setFlag("lr_scheduler", lrScheduler?.rawValue)
        flags.setFlag("max_grad_norm", maxGradNorm)
        flags.setFlag("weight_decay", weightDecay)
        flags.setFlag("prompt_style", promptStyle?.rawValue)
        for (key, value) in [("warmup_steps", warmupSteps), ("epochs", epochs), ("max_steps", maxSteps), ("batch_size", batchSize),
                             ("grad_accum", gradAccum), ("max_length", maxLength), ("max_prompt_length", maxPromptLength),
                             ("steps_per_eval", stepsPerEval), ("logging_steps", loggingSteps), ("save_every", saveEvery),
                             ("threads", threads)] {
            flags.setFlag(key, value)
        }
        flags.setFlag("validation_split", validationSplit)
        flags.setFlag("seed", seed)
        if overwrite { flags.setFlag("overwrite", true) }
        if trainOnPrompt { flags.setFlag("train_on_prompt", true) }
        flags.setFlag("padding_free", paddingFree)
        flags.setFlag("task_mixture", taskMixture)
        flags.setFlag("mixture_temperature", mixtureTemperature)
        flags.setFlag("mixture_cap", mixtureCap)
        flags.setFlag("holdout_task", holdoutTask)
        flags.setFlag("report_to", reportTo?.rawValue)
        flags.setFlag("monitor_prompts", monitorPrompts)
        flags.setFlag("monitor_system", monitorSystem)
        flags.setFlag("reward", reward)
        flags.setFlag("diversity_floor", diversityFloor)
        if stopOnCollapse { flags.setFlag("stop_on_collapse", true) }
        flags.setFlag("reward_base_model", rewardBaseModel)
        for (key, value) in [("monitor_every", monitorEvery), ("monitor_samples", monitorSamples), ("monitor_max_tokens", monitorMaxTokens)] {
            flags.setFlag(key, value)
        }
        return try config.map(TrainingSettings.init(configFile:))?.overridden(by: flags) ?? flags
    }

    func train(_ method: TrainingConfiguration.Method) throws {
        let settings = try settings()
        try settings.requireOnly(TrainingSettings.keys.subtracting(TrainingSettings.rewardKeys), command: "train \(method.rawValue)")
        if let launch = try scaleOut.launch() { return try scaleOut.train(method, settings: settings, launch: launch) }
        func required(_ key: String) throws -> String {
            guard let value = settings.string(key) else { throw ValidationError("missing --\(key) (or '\(key)' in the config file)") }
            return value
        }
        let modelPath = try required("model"), dataPath = try required("data"), out = URL(fileURLWithPath: try required("output"))
        let resumeDir = settings.string("resume").map { URL(fileURLWithPath: $0) }
        let reportTo: ReportTarget = try settings.choice("report_to") ?? .none
        if resumeDir != nil, try settings.bool("overwrite") == true {
            throw ValidationError("--resume continues the run in the output folder and --overwrite deletes it: give one of them")
        }
        // A killed run may have left a checkpoint half-renamed: put it back before reading it.
        if let resumeDir { try TrainingRunFolder(url: resumeDir.deletingLastPathComponent()).recoverInterruptedWrites() }
        let saved = try resumeDir.map(TrainerCheckpoint.loadState(from:))
        // A resumed run starts from the checkpoint's configuration; the settings given change it.
        var c = try TrainingConfiguration.forRun(method, settings: settings, resuming: saved?.configuration)
        // The probes' options are read first, so a missing or empty prompt file fails before any training.
        let probeOptions = try settings.string("monitor_prompts").map { path in
            let prompts = try EvaluationRun.readPrompts(URL(fileURLWithPath: path))
            guard !prompts.isEmpty else { throw TrainingError.invalidOption(name: "monitor-prompts", reason: "\(path) holds no prompts") }
            let system = settings.string("monitor_system") ?? ProtocolOptions.paperSystem
            return try TrainingProbe.Options(
                prompts: prompts, every: settings.number("monitor_every") ?? TrainingProbe.Options.defaultEvery,
                samples: settings.number("monitor_samples") ?? TrainingProbe.Options.defaultSamples,
                maxTokens: settings.number("monitor_max_tokens") ?? TrainingProbe.Options.defaultMaxTokens,
                sampling: ProtocolSampling.parameters, system: system.isEmpty ? nil : system, seed: c.seed)
        }

        let alarm = try settings.number("diversity_floor").map { (floor: Double) -> CollapseAlarm in
            guard probeOptions != nil else { throw TrainingError.invalidOption(name: "diversity-floor", reason: "needs --monitor-prompts (the probes it watches)") }
            return try CollapseAlarm(floor: floor)
        }
        let stopOnCollapse = try settings.bool("stop_on_collapse") ?? false
        if stopOnCollapse && alarm == nil { throw TrainingError.invalidOption(name: "stop-on-collapse", reason: "needs --diversity-floor") }

        let folder = TrainingRunFolder(url: out)
        var resumedLoRA: LoRAAdapter?
        if let saved, let resumeDir {
            // A checkpoint continues its own run: resuming into another folder would cut that
            // folder's metrics and overwrite its adapter.
            guard resumeDir.standardizedFileURL.deletingLastPathComponent().path == out.standardizedFileURL.path else {
                throw TrainingError.invalidOption(name: "resume", reason: "\(resumeDir.path) belongs to the run in "
                    + "\(resumeDir.deletingLastPathComponent().path), not to --output \(out.path)")
            }
            let lora = try LoRAAdapter.load(directory: resumeDir)
            let conflicts = ResumeConflict.between(saved: saved.configuration, given: c) + ResumeConflict.between(saved: lora.configuration, given: c)
            if let conflict = conflicts.first { throw TrainingError.resumeConflict(checkpoint: resumeDir.path, conflict) }
            try folder.startResumed(atStep: saved.step)
            try alarm?.restoreBaseline(from: folder.metricsURL)
            try TrainingTensorBoard.resume(folder, atStep: saved.step)
            resumedLoRA = lora
        } else {
            try folder.startNew(overwrite: try settings.bool("overwrite") ?? false)
        }
        EngineThreads.configure(try settings.number("threads") ?? ProcessInfo.processInfo.activeProcessorCount)

        let lm = try LanguageModel.load(path: modelPath)
        let renderer = try PromptRenderer(model: lm)
        let truncation = c.truncation
        let dataset = try TrainingDataset.load(file: URL(fileURLWithPath: dataPath), kind: method == .sft ? .sft : .preference,
                                               renderer: renderer, truncation: truncation, promptStyle: c.effectivePromptStyle,
                                               orpoSplit: c.isOddsRatio)
        print("data: \(dataset.examples.count) examples from \(dataPath); truncated \(dataset.truncatedCount)"
              + " (max length \(truncation.maxLength.map(String.init) ?? "none"), max prompt length \(truncation.maxPromptLength.map(String.init) ?? "none"))")

        let lora: LoRAAdapter
        if let resumedLoRA {
            lora = resumedLoRA
            lora.configuration.inferenceMode = false
        } else if let start = c.adapter {
            lora = try LoRAAdapter.load(directory: URL(fileURLWithPath: start))
            lora.configuration.inferenceMode = false
        } else {
            let lc = c.lora(over: LoRAConfiguration(baseModelNameOrPath: modelPath))
            do { lora = try LoRAAdapter(configuration: lc, model: lm.model, seed: c.seed) } catch ModelError.invalidConfiguration(let key, let reason) where key == "r" {
                throw TrainingError.invalidOption(name: "lora-rank", reason: reason)   // named as the user named it
            }
        }
        c.record(lora.configuration)   // the LoRA trained, in the run's checkpoints
        try lm.model.attach(lora)
        let total = lm.model.baseParameterCount + lora.parameterCount
        print(String(format: "trainable params: %d || all params: %d || trainable%%: %.4f", lora.parameterCount, total,
                     100 * Double(lora.parameterCount) / Double(total)))

        let reference = try c.effectiveReferenceAdapter.map { try LoRAAdapter.load(directory: URL(fileURLWithPath: $0)) }
        let trainer = try Trainer(model: lm.model, adapter: lora, objective: c.makeObjective(reference: ReferenceLogProbs(referenceAdapter: reference)),
                                  configuration: c, examples: dataset.examples, output: out)
        if let resumeDir { try trainer.resume(from: resumeDir); print("resumed at step \(trainer.state.step) from \(resumeDir.path)") }
        print("training \(method.rawValue): \(trainer.train.count) train / \(trainer.validation.count) validation examples, \(trainer.totalSteps) steps")
        if let mixture = trainer.mixture {
            let rates = zip(mixture.rates.tasks, zip(mixture.rates.probabilities, mixture.rows))
                .map { String(format: "%@ %.3f (%d rows)", $0.0, $0.1.0, $0.1.1.count) }
            print("task mixture: " + rates.joined(separator: ", ")
                  + (c.holdoutTasks.map { "; held out (evaluated only): \($0.joined(separator: ", ")), \(trainer.heldOut.count) rows" } ?? ""))
        }
        let probe = try probeOptions.map { options in
            try TrainingProbe(options: options, model: lm, modelName: modelPath, adapter: lora, spaces: try embedders.spaces(),
                              scorer: settings.string("reward").map { RewardModelScorer(directory: URL(fileURLWithPath: $0),
                                                                                        baseModel: settings.string("reward_base_model")) },
                              folder: folder)
        }
        let log = try TrainingLog(url: folder.metricsURL)
        var board: TrainingTensorBoard?
        if reportTo == .tensorboard {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let arguments = resumeDir == nil ? String(decoding: try encoder.encode(c), as: UTF8.self) : nil
            board = try TrainingTensorBoard(folder: folder, arguments: arguments)
            log.onRecord = board?.write
        }
        let progress = TrainingProgress()
        try trainer.run { event in
            try log.record(event)
            progress.show(event)
            guard let found = try probe?.observe(event) else { return }
            try log.append(found.record)
            try board?.writer.text(TrainingProbe.markdown(found.samples), tag: "monitor/samples", step: found.record.step)
            guard let warning = alarm?.check(found.record) else { return }
            try log.record(.warning(warning))
            progress.show(.warning(warning))
            if stopOnCollapse { throw CollapseAlarm.Collapse(warning: warning, checkpoint: try trainer.saveCheckpoint()) }
        }
        let summary = log.lastAverages.sorted { $0.key < $1.key }.map { String(format: "%@ %.4g", $0.key, $0.value) }.joined(separator: ", ")
        if log.contextSplits > 0 {
            print("padding-free: \(log.contextSplits) extra rows were started where a micro-batch overran the model's context of"
                  + " \(lm.model.configuration.maxPositionEmbeddings) tokens (context_splits in metrics.jsonl)")
        }
        print("done: adapter in \(out.path) (metrics in metrics.jsonl). Last: \(summary)")
    }
}

extension LearningRateSchedule.Kind: ExpressibleByArgument {}
extension ReportTarget: ExpressibleByArgument {}
extension DPOObjective.LossType: ExpressibleByArgument {}
extension ORPOObjective.Weighting: ExpressibleByArgument {}
