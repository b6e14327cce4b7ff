import ArgumentParser
import Foundation
import Models
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

struct TrainOptions: ParsableArguments {
    @Option(help: "Base model: a .gguf file or an HF model folder.") var model: String?
    @Option(help: "Training data (JSONL).") var data: String?
    @Option(help: "Output folder (adapter, checkpoints, metrics.jsonl).") var output: String?
    @Option(help: "YAML file of snake_case flag names; flags override it.") var config: String?
    @Option(help: "Start from this PEFT adapter (DPO/DDPO also use a frozen copy of it as the reference).") var adapter: String?
    @Option(help: "DPO reference adapter (default: the --adapter start, else the base model).") var referenceAdapter: String?
    @Option(help: "LoRA rank (default 16).") var loraRank: Int?
    @Option(help: "LoRA alpha (default 32).") var loraAlpha: Float?
    @Option(help: "LoRA dropout (default 0.05).") var loraDropout: Float?
    @Option(help: "Target modules, comma-separated (default q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).") var loraTargets: String?
    @Option(help: "β of DPO / λ of ORPO (default 0.1).") var beta: Float?
    @Option(help: "DPO loss: sigmoid, ipo or hinge.") var lossType: String?
    @Option(help: "DORPO weighting: reference (as released) or per-example.") var orpoWeighting: String?
    @Option(help: "Peak learning rate (default 1e-4).") var learningRate: Float?
    @Option(help: "constant, linear or cosine (default linear).") var lrScheduler: String?
    @Option(help: "Linear warm-up steps from 0.") var warmupSteps: Int?
    @Option(help: "Epochs (default 1).") var epochs: Int?
    @Option(help: "Stop after this many optimizer steps (overrides --epochs).") var maxSteps: Int?
    @Option(help: "Examples (pairs) per micro-batch.") var batchSize: Int?
    @Option(help: "Micro-batches per optimizer step.") var gradAccum: Int?
    @Option(help: "Clip the global gradient norm (0 = off; default 1).") var maxGradNorm: Float?
    @Option(help: "AdamW weight decay (default 0).") var weightDecay: Float?
    @Option(help: "String prompts: completion = raw text, as TRL's standard format (default); chat = through the chat template as one user message (the papers' setting). Message lists always use the template.") var promptStyle: PromptStyle?
    @Option(help: "Maximum prompt + completion tokens.") var maxLength: Int?
    @Option(help: "Maximum prompt tokens (the start is cut).") var maxPromptLength: Int?
    @Option(help: "Fraction held out for validation.") var validationSplit: Double?
    @Option(help: "Validate every N steps.") var stepsPerEval: Int?
    @Option(help: "Log metrics every N steps (default 10; step 1 always).") var loggingSteps: Int?
    @Option(help: "Checkpoint every N steps (0 = only at the end).") var saveEvery: Int?
    @Option(help: "Continue from a checkpoint folder (OUTPUT/checkpoint-N); flags left out keep the checkpoint's values, and flags that would change what is trained are refused.") var resume: String?
    @Flag(help: "Delete the previous run in --output (adapter, checkpoint-* folders, metrics.jsonl) before training; without it (or --resume) a non-empty --output is refused.") var overwrite = false
    @Option(help: "Random seed (default 42).") var seed: UInt64?
    @Flag(help: "SFT: also train on prompt tokens.") var trainOnPrompt = false
    @Flag(inversion: .prefixedNo, help: "Concatenate each micro-batch into one row (attention kept within each example, positions restarting) instead of padding it, as TRL's padding_free; off by default as in TRL. Same results, less arithmetic.") var paddingFree: Bool?
    @Option(help: "Threads for BLAS and the engine.") var threads: Int?

    func train(_ method: TrainingConfiguration.Method) throws {
        let file = try config.map(TrainConfigFile.init(path:))
        func pick<T>(_ flag: T?, _ key: String, _ read: (String) throws -> T?) rethrows -> T? {
            if let flag { return flag }
            return try read(key)
        }
        func num<T: LosslessStringConvertible>(_ flag: T?, _ key: String) throws -> T? { try pick(flag, key) { try file?.number($0, T.self) } }
        func flt(_ flag: Float?, _ key: String) throws -> Float? { try pick(flag, key) { try file?.float($0) } }
        func str(_ flag: String?, _ key: String) -> String? { flag ?? file?.string(key) }

        guard let modelPath = str(model, "model") else { throw ValidationError("missing --model (or 'model' in the config file)") }
        guard let dataPath = str(data, "data") else { throw ValidationError("missing --data (or 'data' in the config file)") }
        guard let outputPath = str(output, "output") else { throw ValidationError("missing --output (or 'output' in the config file)") }

        let out = URL(fileURLWithPath: outputPath)
        let resumeDir = str(resume, "resume").map { URL(fileURLWithPath: $0) }
        let overwriteRun = try overwrite || (file?.bool("overwrite") ?? false)
        if resumeDir != nil && overwriteRun {
            throw ValidationError("--resume continues the run in the output folder and --overwrite deletes it: give one of them")
        }
        // A killed run may have left a checkpoint half-renamed: put it back before reading it.
        if let resumeDir { try TrainingRunFolder(url: resumeDir.deletingLastPathComponent()).recoverInterruptedWrites() }
        let saved = try resumeDir.map(TrainerCheckpoint.loadState(from:))

        // A resumed run starts from the checkpoint's configuration; the flags given change it.
        var c = saved?.configuration ?? TrainingConfiguration()
        c.promptStyle = saved.map { $0.configuration.effectivePromptStyle }   // pinned before `model` is recorded below
        c.method = method
        if let v = try flt(learningRate, "learning_rate") { c.learningRate = v }
        if let v = str(lrScheduler, "lr_scheduler") {
            guard let k = LearningRateSchedule.Kind(rawValue: v) else { throw ValidationError("--lr-scheduler must be constant, linear or cosine, got '\(v)'") }
            c.lrScheduler = k
        }
        if let v = try num(warmupSteps, "warmup_steps") { c.warmupSteps = v }
        if let v = try num(epochs, "epochs") { c.epochs = v }
        if let v = try num(maxSteps, "max_steps") { c.maxSteps = v }
        if let v = try num(batchSize, "batch_size") { c.batchSize = v }
        if let v = try num(gradAccum, "grad_accum") { c.gradAccum = v }
        if let v = try flt(maxGradNorm, "max_grad_norm") { c.maxGradNorm = v }
        if let v = try flt(weightDecay, "weight_decay") { c.weightDecay = v }
        if let v = try flt(beta, "beta") { c.beta = v }
        if let v = str(lossType, "loss_type") {
            guard let t = DPOObjective.LossType(rawValue: v) else { throw ValidationError("--loss-type must be sigmoid, ipo or hinge, got '\(v)'") }
            c.lossType = t
        }
        if let v = str(orpoWeighting, "orpo_weighting") {
            guard let w = ORPOObjective.Weighting(rawValue: v), w != .none else { throw ValidationError("--orpo-weighting must be reference or per-example, got '\(v)'") }
            c.orpoWeighting = w
        }
        if let v = try num(validationSplit, "validation_split") { c.validationSplit = v }
        if let v = try num(stepsPerEval, "steps_per_eval") { c.stepsPerEval = v }
        if let v = try num(loggingSteps, "logging_steps") { c.loggingSteps = v }
        if let v = try num(saveEvery, "save_every") { c.saveEvery = v }
        if let v = try num(seed, "seed") { c.seed = v }
        let promptFromFile = try file?.bool("train_on_prompt") ?? false
        c.trainOnPrompt = c.trainOnPrompt || trainOnPrompt || promptFromFile
        if let v = try paddingFree ?? file?.bool("padding_free") { c.paddingFree = v }
        c.model = Self.absolutePath(modelPath)
        if let v = str(adapter, "adapter") { c.adapter = Self.absolutePath(v) }
        if let v = str(referenceAdapter, "reference_adapter") { c.referenceAdapter = Self.absolutePath(v) }
        if let v = str(promptStyle?.rawValue, "prompt_style") {
            guard let style = PromptStyle(rawValue: v) else { throw ValidationError("--prompt-style must be completion or chat, got '\(v)'") }
            c.promptStyle = style
        }
        c.promptStyle = c.effectivePromptStyle   // recorded in the run's checkpoints
        try c.validate()

        let rank = try num(loraRank, "lora_rank"), alpha = try flt(loraAlpha, "lora_alpha"), dropout = try flt(loraDropout, "lora_dropout")
        let targets = str(loraTargets, "lora_targets").map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let rank, rank < 1 { throw TrainingError.invalidOption(name: "lora-rank", reason: "must be ≥ 1, got \(rank)") }
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw TrainingError.invalidOption(name: "lora-alpha", reason: "must be a positive number, got \(alpha)") }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw TrainingError.invalidOption(name: "lora-dropout", reason: "must be in [0, 1), got \(dropout)") }

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
            let conflicts = ResumeConflict.between(saved: saved.configuration, given: c)
                + ResumeConflict.between(saved: lora.configuration, rank: rank, alpha: alpha, dropout: dropout, targets: targets)
            if let conflict = conflicts.first { throw TrainingError.resumeConflict(checkpoint: resumeDir.path, conflict) }
            try folder.startResumed(atStep: saved.step)
            resumedLoRA = lora
        } else {
            try folder.startNew(overwrite: overwriteRun)
        }
        EngineThreads.configure(try num(threads, "threads") ?? ProcessInfo.processInfo.activeProcessorCount)

        let lm = try LanguageModel.load(path: modelPath)
        let renderer = try PromptRenderer(model: lm)
        // ORPO's TRL default limit (1024) applies when none is given; DPO/SFT keep whole sequences.
        let maxLen = try num(maxLength, "max_length") ?? ((method == .orpo || method == .dorpo) ? 1024 : nil)
        let truncation = Truncation(maxLength: maxLen, maxPromptLength: try num(maxPromptLength, "max_prompt_length"))
        let dataset = try TrainingDataset.load(file: URL(fileURLWithPath: dataPath), kind: method == .sft ? .sft : .preference,
                                               renderer: renderer, truncation: truncation, promptStyle: c.effectivePromptStyle,
                                               orpoSplit: method == .orpo || method == .dorpo)
        print("data: \(dataset.examples.count) examples from \(dataPath); truncated \(dataset.truncatedCount)"
              + " (max length \(maxLen.map(String.init) ?? "none"), max prompt length \(truncation.maxPromptLength.map(String.init) ?? "none"))")

        let startDir = c.adapter.map { URL(fileURLWithPath: $0) }
        let lora: LoRAAdapter
        if let resumedLoRA {
            lora = resumedLoRA
            lora.configuration.inferenceMode = false
        } else if let startDir {
            lora = try LoRAAdapter.load(directory: startDir)
            lora.configuration.inferenceMode = false
        } else {
            let lc = LoRAConfiguration(rank: rank ?? 16, alpha: alpha ?? 32, dropout: dropout ?? 0.05,
                                       targetModules: targets ?? LoRAConfiguration.allLinearTargets, baseModelNameOrPath: modelPath)
            do { lora = try LoRAAdapter(configuration: lc, model: lm.model, seed: c.seed) } catch ModelError.invalidConfiguration(let key, let reason) where key == "r" {
                throw TrainingError.invalidOption(name: "lora-rank", reason: reason)   // named as the user named it
            }
        }
        try lm.model.attach(lora)
        let total = lm.model.baseParameterCount + lora.parameterCount
        print(String(format: "trainable params: %d || all params: %d || trainable%%: %.4f", lora.parameterCount, total,
                     100 * Double(lora.parameterCount) / Double(total)))

        var reference: LoRAAdapter?
        if method == .dpo || method == .ddpo {
            if let dir = c.referenceAdapter { reference = try LoRAAdapter.load(directory: URL(fileURLWithPath: dir)) }
            else if let startDir { reference = try LoRAAdapter.load(directory: startDir) }
        }
        let trainer = try Trainer(model: lm.model, adapter: lora, objective: c.makeObjective(reference: ReferenceLogProbs(referenceAdapter: reference)),
                                  configuration: c, examples: dataset.examples, output: out)
        if let resumeDir { try trainer.resume(from: resumeDir); print("resumed at step \(trainer.state.step) from \(resumeDir.path)") }
        print("training \(method.rawValue): \(trainer.train.count) train / \(trainer.validation.count) validation examples, \(trainer.totalSteps) steps")
        let log = try TrainingLog(url: folder.metricsURL)
        let progress = TrainingProgress()
        try trainer.run { event in
            try log.record(event)
            progress.show(event)
        }
        let summary = log.lastAverages.sorted { $0.key < $1.key }.map { String(format: "%@ %.4g", $0.key, $0.value) }.joined(separator: ", ")
        if log.contextSplits > 0 {
            print("padding-free: \(log.contextSplits) extra rows were started where a micro-batch overran the model's context of"
                  + " \(lm.model.configuration.maxPositionEmbeddings) tokens (context_splits in metrics.jsonl)")
        }
        print("done: adapter in \(out.path) (metrics in metrics.jsonl). Last: \(summary)")
    }

    /// The absolute form of a path as the run records it (so `./m` and `/abs/m` compare equal).
    static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
